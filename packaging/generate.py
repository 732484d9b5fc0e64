#!/usr/bin/env python3
"""Writes what the Debian package ships about the command line from the binaries' own --help
and --version, so that none of it can drift from the program:

  NAME.1.gz         the man page of each binary (options, commands, exit codes, environment)
  pm.conf.5.gz      the config file's man page (every setting key, its variable and default)
  pm.conf           the commented sample installed as /etc/pm/pm.conf
  completion/NAME   bash completion of the flags, commands and values of each binary
  changelog.gz      the package's changelog (one entry: this version)

usage: generate.py OUT_DIR VERSION DATE MAINTAINER BINARY...
DATE is YYYY-MM-DD (the last commit's date: the outputs are reproducible).
"""

import datetime
import gzip
import os
import re
import subprocess
import sys

SETTING = re.compile(r"^(?P<help>.*) \(env (?P<env>PM_[A-Z_]+)(?:, default (?P<default>.*))?\)$")


def options_of(lines):
    """The options of a CLI11 help text: [flag, argument, help]."""
    options = []
    section = None
    for line in lines:
        if line.endswith(":") and not line.startswith(" "):
            section = line
        elif section == "Options:" and line.startswith("  -"):
            head, _, tail = line.strip().partition("  ")
            flag, _, argument = head.partition(" ")
            options.append([flag, argument, tail.strip()])
        elif section == "Options:" and line.startswith("    ") and options:
            options[-1][2] = (options[-1][2] + " " + line.strip()).strip()
    return options


def sub_options(binary, name, env):
    text = subprocess.run([binary, name, "--help"], check=True, capture_output=True, text=True,
                          env=env).stdout
    return [o for o in options_of(text.splitlines()) if o[0] != "-h,--help"]


class Help:
    """The parts of a CLI11 --help text: summary, options, commands and the exit-code note."""

    def __init__(self, binary):
        self.path = binary
        self.name = os.path.basename(binary)
        # --help reads no config file; an empty environment keeps the text the packaged one.
        env = {"PATH": "/usr/bin:/bin"}
        text = subprocess.run([binary, "--help"], check=True, capture_output=True, text=True,
                              env=env).stdout
        version = subprocess.run([binary, "--version"], capture_output=True, text=True, env=env)
        self.version = version.stdout.strip() if version.returncode == 0 else ""
        lines = text.splitlines()
        prefix = self.name + ": "
        if not lines or not lines[0].startswith(prefix):
            sys.exit(f"{binary} --help: the first line is not '{prefix}summary'")
        self.summary = lines[0][len(prefix):]
        self.options = []   # (flag, argument, help)
        self.commands = []  # (name, help)
        self.subcommands = []  # (name, help, options) of a tool such as pmstore
        self.exit_codes = ""
        section = None
        for line in lines[1:]:
            if line in ("Options:", "Commands:", "Subcommands:"):
                section = line
            elif section == "Subcommands:" and line.startswith("  "):
                name, _, tail = line.strip().partition(" ")
                self.subcommands.append((name, tail.strip(), sub_options(binary, name, env)))
            elif line.startswith("Exit codes:"):
                section = "exit"
                self.exit_codes = line[len("Exit codes:"):].strip()
            elif section == "exit" and line.strip():
                self.exit_codes += " " + line.strip()
            elif section == "Options:" and line.startswith("  -"):
                head, _, tail = line.strip().partition("  ")
                flag, _, argument = head.partition(" ")
                self.options.append([flag, argument, tail.strip()])
            elif section == "Options:" and line.startswith("    ") and self.options:
                option = self.options[-1]  # a long option head puts its help on the next line
                option[2] = (option[2] + " " + line.strip()).strip()
            elif section == "Commands:" and line.startswith("  "):
                name, _, tail = line.strip().partition(" ")
                self.commands.append((name, tail.strip()))
        if not self.options or not (self.commands and self.exit_codes or self.subcommands):
            sys.exit(f"{binary} --help: no options, commands and exit codes, or subcommands")

    def settings(self):
        """The settings (--store…): (key, env, default or None, help)."""
        found = []
        for flag, _, text in self.options:
            match = SETTING.match(text)
            if match and flag.startswith("--"):
                found.append((flag[2:], match["env"], match["default"], match["help"]))
        return found

    def values(self, flag):
        """The values an option takes when --help lists them (TEXT:{xml,json,text})."""
        for option, argument, _ in self.options:
            if option.split(",")[-1] == flag and ":{" in argument:
                return argument.split(":{", 1)[1].rstrip("}").split(",")
        return []


def roff(text):
    """Text safe in a roff line: backslashes and hyphens escaped, no leading dot or quote."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text[:1] in (".", "'"):
        text = "\\&" + text
    return text


def header(name, section, date, version, title):
    return (f'.TH {name.upper().replace("-", "")} {section} "{date}" "{roff(version)}" "{title}"\n')


def timers(name):
    """The timers of packaging/systemd/ whose service runs this binary: (timer, command,
    templated)."""
    found = []
    units = os.path.join(os.path.dirname(os.path.abspath(__file__)), "systemd")
    for unit in sorted(os.listdir(units)):
        if not unit.endswith(".service"):
            continue
        with open(os.path.join(units, unit), encoding="utf-8") as service:
            match = re.search(r"^ExecStart=/usr/bin/(\S+) --command (\S+)", service.read(), re.M)
        if match and match[1] == name:
            found.append((unit[:-len(".service")] + ".timer", match[2], "@." in unit))
    return found


def man_binary(help_, others, date, package_version):
    name = help_.name
    out = [header(name, 1, date, f"pm {package_version}", "pm manual"),
           ".SH NAME\n", f"{roff(name)} \\- {roff(help_.summary)}\n",
           ".SH SYNOPSIS\n",
           f".B {roff(name)}\n\\fB\\-\\-command\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n",
           ".SH DESCRIPTION\n",
           f"{roff(name)} is a processing module of a hosting billing platform: the platform runs "
           "it once per operation on a service (billing item) or a processing module, it reads "
           "what to do from the billing store, does it, records the outcome on the running "
           "operation and prints it (xml by default, text on a terminal).\n",
           ".PP\nModule\\-wide jobs run from systemd timers the package installs but does not "
           "enable (see \\fBFILES\\fR).\n",
           ".SH OPTIONS\n"]
    for flag, argument, text in help_.options:
        out.append(".TP\n")
        flags = ", ".join(f"\\fB{roff(f)}\\fR" for f in flag.split(","))
        shown = argument.split(":{", 1)[0]
        out.append(f"{flags} \\fI{roff(shown)}\\fR\n" if shown else f"{flags}\n")
        out.append(f"{roff(text)}\n")
    out.append(".PP\nUnknown flags (\\-\\-lang, \\-\\-userid…) are accepted and logged.\n")
    out.append(".SH COMMANDS\n")
    for command, text in help_.commands:
        out.append(f".TP\n\\fB{roff(command)}\\fR\n{roff(text)}\n")
    out.append(".SH EXIT STATUS\n")
    for code, text in re.findall(r"(\d) ([^,]+(?:\([^)]*\))?)", help_.exit_codes):
        out.append(f".TP\n\\fB{code}\\fR\n{roff(text.strip().rstrip('.'))}\n")
    out.append(".SH ENVIRONMENT\n.TP\n\\fBPM_CONFIG\\fR\nthe config file when \\-\\-config is "
               "not given\n")
    for key, env, _, text in help_.settings():
        out.append(f".TP\n\\fB{env}\\fR\n{roff(text)} (the {roff(key)} setting)\n")
    out.append(".SH FILES\n")
    files = [("/etc/pm/pm.conf", "global settings, see pm.conf(5)")]
    for key, _, default, text in help_.settings():
        if default and default.startswith("sqlite:"):
            files.append((default[len("sqlite:"):], f"the default {key} (SQLite)"))
        elif default and default.startswith("/"):
            files.append((default, text))
    files.append(("/var/log/pm/" + name + ".log", "the log of every invocation (secrets masked)"))
    for unit, command, templated in timers(name):
        enable = unit.replace("@.", "@N.") if templated else unit
        files.append(("/lib/systemd/system/" + unit,
                      f"runs {command} (installed, not enabled): systemctl enable --now {enable}"
                      + (", N the processing module id" if templated else "")))
    for path, text in files:
        out.append(f".TP\n\\fI{roff(path)}\\fR\n{roff(text)}\n")
    out.append(".SH VERSION\n" + roff(help_.version) + "\n")
    out.append(".SH SEE ALSO\n" + ", ".join(
        f"\\fB{roff(n)}\\fR({s})" for n, s in [(o.name, 1) for o in others] + [("pm.conf", 5)])
        + "\n")
    return "".join(out)


def man_tool(help_, others, date, package_version):
    """The man page of a tool with subcommands (pmstore)."""
    name = help_.name
    out = [header(name, 1, date, f"pm {package_version}", "pm manual"),
           ".SH NAME\n", f"{roff(name)} \\- {roff(help_.summary)}\n",
           ".SH SYNOPSIS\n"]
    for sub, _, options in help_.subcommands:
        flags = " ".join(f"\\fB{roff(flag)}\\fR \\fI{roff(argument.split()[0])}\\fR"
                         if argument else f"\\fB{roff(flag)}\\fR" for flag, argument, _ in options)
        out.append(f".B {roff(name)} {roff(sub)}\n{flags}\n.br\n")
    out.append(".SH COMMANDS\n")
    for sub, text, options in help_.subcommands:
        out.append(f".SS {roff(sub)}\n{roff(text)}\n")
        for flag, argument, option_help in options:
            shown = argument.replace(" REQUIRED", "")
            out.append(f".TP\n\\fB{roff(flag)}\\fR \\fI{roff(shown)}\\fR\n{roff(option_help)}"
                       + (" (required)" if "REQUIRED" in argument else "") + "\n")
    out.append(".SH VERSION\n" + roff(help_.version) + "\n" if help_.version else "")
    out.append(".SH SEE ALSO\n" + ", ".join(
        f"\\fB{roff(n)}\\fR({s})" for n, s in [(o.name, 1) for o in others] + [("pm.conf", 5)])
        + "\n")
    return "".join(out)


def man_conf(help_, date, package_version):
    out = [header("pm.conf", 5, date, f"pm {package_version}", "pm manual"),
           ".SH NAME\n", "pm.conf \\- global settings of the pm processing modules\n",
           ".SH SYNOPSIS\n/etc/pm/pm.conf\n",
           ".SH DESCRIPTION\n",
           "The global settings of every pm binary. Each setting is taken from, in this order: "
           "its command\\-line flag, its environment variable, the config file, its default. "
           "The config file is \\fB\\-\\-config\\fR, else \\fB$PM_CONFIG\\fR, else "
           "\\fI/etc/pm/pm.conf\\fR when it exists.\n",
           ".PP\nThe file holds \\fIkey\\fR = \\fIvalue\\fR lines (values may be quoted) and "
           "# comments; sections are not supported. An unknown key or a bad value is a "
           "configuration error (exit 2). It must be a regular text file of at most 64 KiB; "
           "/dev/null reads as an empty file.\n",
           ".PP\nEverything per processing module (URL, credentials, queue, pool…) lives in "
           "the billing store, not here.\n",
           ".SH SETTINGS\n"]
    for key, env, default, text in help_.settings():
        shown = f"default {roff(default)}" if default else "no default"
        flag = ("never a flag" if "environment only" in text
                else f"flag \\fB\\-\\-{roff(key)}\\fR")
        out.append(f".TP\n\\fB{roff(key)}\\fR = \\fIvalue\\fR\n{roff(text)}; "
                   f"environment \\fB{env}\\fR, {flag}; {shown}.\n")
    out.append(".SH FILES\n.TP\n\\fI/etc/pm/pm.conf\\fR\nthe file; the package installs it "
               "with every setting commented out at its default.\n")
    out.append(".SH SEE ALSO\n\\fBpmvmmgr6\\fR(1), \\fBpmopenstack\\fR(1), \\fBpmovirt\\fR(1)\n")
    return "".join(out)


def sample_conf(help_):
    out = ["# /etc/pm/pm.conf: global settings of the pm binaries (pm.conf(5)).\n",
           "# Precedence: command-line flags (--store, --log_dir…), then the environment\n",
           "# (PM_STORE, PM_LOG_DIR…), then this file, then the defaults shown here.\n",
           "# Everything per processing module (URL, credentials, queue, pool…) lives in the\n",
           "# billing store.\n"]
    for key, env, default, text in help_.settings():
        out.append(f"\n# {text} (env {env})\n")
        out.append(f'#{key} = "{default}"\n' if default else f"#{key} =\n")
    return "".join(out)


def completion(help_):
    name = help_.name
    function = "_" + re.sub(r"\W", "_", name)
    flags = " ".join(f for flag, _, _ in help_.options for f in flag.split(","))
    commands = " ".join(c for c, _ in help_.commands)
    levels = ""
    for key, _, _, text in help_.settings():
        if key == "log_level":
            levels = " ".join(re.findall(r"[a-z]+", text.replace(" or ", " ")))
    cases = [f'    --command) COMPREPLY=($(compgen -W "{commands}" -- "$cur")) ;;',
             f'    --output) COMPREPLY=($(compgen -W "{" ".join(help_.values("--output"))}" '
             '-- "$cur")) ;;',
             '    --config) COMPREPLY=($(compgen -f -- "$cur")) ;;']
    dirs = [f"--{key}" for key, _, _, _ in help_.settings() if key.endswith("_dir")]
    if dirs:
        cases.append(f'    {"|".join(dirs)}) COMPREPLY=($(compgen -d -- "$cur")) ;;')
    if levels:
        cases.append(f'    --log_level) COMPREPLY=($(compgen -W "{levels}" -- "$cur")) ;;')
    handled = {"--command", "--output", "--config", "--log_level"} | set(dirs)
    valued = [f for f, argument, _ in help_.options
              if argument and f.startswith("--") and f not in handled]
    cases.append(f'    {"|".join(valued)}) ;;  # a value of its own: nothing to offer')
    cases.append(f'    *) COMPREPLY=($(compgen -W "{flags}" -- "$cur")) ;;')
    return (f"# bash completion for {name} (generated from {name} --help)\n"
            f"{function}() {{\n"
            '    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n'
            '    COMPREPLY=()\n'
            '    case $prev in\n' + "\n".join(cases) + "\n    esac\n}\n"
            f"complete -F {function} {name}\n")


def changelog(version, date, maintainer):
    day = datetime.date.fromisoformat(date)
    stamp = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc)
    return (f"pm ({version}) unstable; urgency=medium\n\n"
            f"  * pm {version}: pmvmmgr6, pmopenstack and pmovirt, see pmvmmgr6(1),\n"
            f"    pmopenstack(1) and pmovirt(1).\n\n"
            f" -- {maintainer}  "
            f"{stamp.strftime('%a, %d %b %Y %H:%M:%S +0000')}\n")


def write(path, text, compressed=False):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = text.encode()
    if compressed:
        # gzip -9n: no name, no time stamp (reproducible; lintian checks both).
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                    compresslevel=9, mtime=0) as packed:
            packed.write(data)
    else:
        with open(path, "w", encoding="utf-8") as plain:
            plain.write(text)


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    out, version, date, maintainer = sys.argv[1:5]
    every = [Help(binary) for binary in sys.argv[5:]]
    helps = [h for h in every if h.commands]  # the modules; pmstore is a tool
    for tool in (h for h in every if not h.commands):
        write(os.path.join(out, tool.name + ".1.gz"),
              man_tool(tool, helps, date, version), True)
    keys = {tuple(h.settings()) for h in helps}
    if len(keys) != 1 or not next(iter(keys)):
        sys.exit("the binaries disagree on the settings, or list none")
    for help_ in helps:
        others = [h for h in every if h is not help_]
        write(os.path.join(out, help_.name + ".1.gz"),
              man_binary(help_, others, date, version), True)
        write(os.path.join(out, "completion", help_.name), completion(help_))
    write(os.path.join(out, "pm.conf.5.gz"), man_conf(helps[0], date, version), True)
    write(os.path.join(out, "pm.conf"), sample_conf(helps[0]))
    write(os.path.join(out, "changelog.gz"), changelog(version, date, maintainer), True)


if __name__ == "__main__":
    main()
