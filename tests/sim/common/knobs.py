"""Knobs of a simulator: a dataclass of settings (durations, numbers, choices, variant knobs)
set at start-up from the command line (--knob NAME=VALUE, --variants SEED), changed at run time
through GET/POST /__sim__/config (all or nothing), restored by /__sim__/reset.

A simulator's Config subclasses Knobs (and is a dataclass) and declares, as class attributes:
  VARIANTS   name -> values, the default first: what the API reference is unsure of;
             --variants SEED draws each from random.Random(SEED), in this order
  CHOICES    name -> values: behaviour switches not drawn
  NUMBERS    name -> highest value (0..high)
  DURATIONS  name -> default seconds, merged by name into the field `seconds`
  SECRETS    fields public() leaves out
"""
import copy
import random
import sys
from dataclasses import asdict


class KnobError(ValueError):
    pass


def number(value, what: str, high: float) -> float:
    """A number in 0..high (a JSON number or its text)."""
    if isinstance(value, bool):
        raise KnobError(f"{what}: a number expected, got {value!r}")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise KnobError(f"{what}: a number expected, got {value!r}") from None
    if not 0 <= result <= high:
        raise KnobError(f"{what}: {result} is out of 0..{high:g}")
    return result


def parse_knob(text: str) -> dict:
    """'NAME=VALUE' from the command line as a /__sim__/config change."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise KnobError(f"--knob {text!r}: NAME=VALUE expected")
    return {name.strip(): value.strip()}


class Knobs:
    VARIANTS: dict = {}
    CHOICES: dict = {}
    NUMBERS: dict = {}
    DURATIONS: dict = {}
    SECRETS: tuple = ()

    def clone(self):
        return copy.deepcopy(self)

    def public(self) -> dict:
        data = asdict(self)
        for name in self.SECRETS:
            data.pop(name, None)
        return data

    def parse_durations(self, text: str) -> None:
        """'launch=1,power_up=2' (unscaled seconds) from the command line."""
        changes = {}
        for part in text.split(","):
            name, sep, value = part.partition("=")
            if not sep:
                raise KnobError(f"{part!r}: NAME=SECONDS expected, NAME one of "
                                f"{sorted(self.DURATIONS)}")
            changes[name.strip()] = value
        self.update({"seconds": changes})

    def update(self, changes: dict) -> None:
        """Applies a POST /__sim__/config body: every change or none."""
        known = set(self.VARIANTS) | set(self.CHOICES) | set(self.NUMBERS) | {"seconds"}
        unknown = set(changes) - known
        if unknown:
            raise KnobError(f"unknown knobs: {sorted(unknown)}")
        trial = self.clone()
        trial._apply(changes)
        self.__dict__.update(trial.__dict__)

    def _apply(self, changes: dict) -> None:
        seconds = changes.get("seconds", {})
        if not isinstance(seconds, dict):
            raise KnobError("seconds: an object {name: seconds} expected")
        for name, value in seconds.items():
            if name not in self.DURATIONS:
                raise KnobError(f"unknown duration '{name}': one of {sorted(self.DURATIONS)}")
            self.seconds[name] = number(value, f"seconds.{name}", 86400)
        for name, high in self.NUMBERS.items():
            if name in changes:
                setattr(self, name, number(changes[name], name, high))
        for name, values in list(self.VARIANTS.items()) + list(self.CHOICES.items()):
            if name in changes:
                value = str(changes[name])
                if value not in values:
                    raise KnobError(f"{name}: one of {list(values)} expected")
                setattr(self, name, value)

    def draw_variants(self, seed: int) -> dict:
        """Every variant knob drawn from random.Random(seed); returns the draw."""
        rng = random.Random(seed)
        drawn = {name: rng.choice(values) for name, values in self.VARIANTS.items()}
        self.update(drawn)
        self.variants_seed = seed
        return drawn

    def start_up(self, seed, knobs: list) -> None:
        """The --variants draw, then each --knob over it; the draw is printed on stderr as
        `variants seed=SEED NAME=VALUE …`."""
        drawn = self.draw_variants(seed) if seed is not None else None
        for knob in knobs:
            self.update(parse_knob(knob))
        if drawn is not None:
            shown = " ".join(f"{name}={getattr(self, name)}" for name in drawn)
            print(f"variants seed={seed} {shown}", file=sys.stderr, flush=True)


def control_update(config: Knobs, request) -> dict:
    """POST /__sim__/config: the changes in the body (400 and nothing changed when one is
    bad); answers every knob."""
    from .control import ControlError
    try:
        config.update(request.json_object(empty_as={}))
    except KnobError as error:
        raise ControlError(str(error)) from None
    return config.public()
