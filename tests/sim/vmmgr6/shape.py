"""The shape knobs applied to every successful API answer, after the handlers built it:

* id_types "strings": task, consul_id, recipe_task, start_task (and the items of
  recipe_task_list) become JSON strings (§6.11: X types them as strings);
* extra_fields "on": every object gains fields nobody documents ("x_extra", "_links");
* field_order "sorted" (keys in alphabetical order, as the documented replies show them) or
  "shuffled" (keys of every object in a random order, drawn per answer).
"""
ID_KEYS = ("task", "consul_id", "recipe_task", "start_task")
EXTRA = (("x_extra", {"a": 1}), ("_links", []))


def shape(body, config, rng):
    strings = config.id_types == "strings"
    extra = config.extra_fields == "on"
    shuffled = config.field_order == "shuffled"

    def value(key, item):
        if strings and isinstance(item, int) and not isinstance(item, bool):
            if key in ID_KEYS:
                return str(item)
        if strings and key == "recipe_task_list" and isinstance(item, list):
            return [str(i) if isinstance(i, int) and not isinstance(i, bool) else i
                    for i in item]
        return walk(item)

    def walk(item):
        if isinstance(item, list):
            return [walk(i) for i in item]
        if not isinstance(item, dict):
            return item
        pairs = [(k, value(k, v)) for k, v in item.items()]
        if extra:
            pairs += [(k, v if not isinstance(v, (dict, list)) else type(v)(v))
                      for k, v in EXTRA if k not in item]
        if shuffled:
            rng.shuffle(pairs)
        else:
            pairs.sort(key=lambda pair: pair[0])
        return dict(pairs)

    return walk(body)
