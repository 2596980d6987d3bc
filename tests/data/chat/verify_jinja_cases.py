#!/usr/bin/env python3
"""Checks jinja_cases.json against Python jinja2 set up the way HF transformers sets it up.

Usage: python3 verify_jinja_cases.py [jinja_cases.json]
Needs jinja2 >= 3.1. Prints each disagreement and exits non-zero if there is one.
"""
import datetime
import json
import os
import sys

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment


class GenerationTag(Extension):
    """`{% generation %}...{% endgeneration %}` renders its body, as transformers' AssistantTracker does."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return nodes.CallBlock(self.call_method("_render", []), [], [], body).set_lineno(lineno)

    def _render(self, caller):
        return caller()


def hf_environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return datetime.datetime.now().strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "jinja_cases.json")
    cases = json.load(open(path, encoding="utf-8"))
    env = hf_environment()
    bad = 0
    for case in cases:
        try:
            got = env.from_string(case["template"]).render(**case.get("vars", {}))
        except Exception as e:  # noqa: BLE001 - report any failure as a disagreement
            got = f"<{type(e).__name__}: {e}>"
        if got != case["expected"]:
            bad += 1
            print(f"{case['name']}:\n  expected {case['expected']!r}\n  jinja2   {got!r}")
    print(f"{len(cases) - bad}/{len(cases)} cases agree with jinja2 {jinja2.__version__}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
