#!/usr/bin/env python3
"""The Jinja oracle: our chat-template renderer against Python jinja2 set up as HF transformers sets it up.

Usage: jinja_oracle.py RENDER_TOOL DATA_DIR
  RENDER_TOOL  llmc_chat_render (tests/unit/chat_oracle/chat_render_tool.cpp)
  DATA_DIR     tests/data

Checks, printing every disagreement:
  1. tests/data/chat/jinja_cases.json: jinja2 prints each case's recorded "expected" (so the hand-worked
     expectations the C++ unit test uses are right), and so does our renderer.
  2. Every fixture chat template (tests/data/tokenizers/*/tokenizer_config.json) on every conversation of its
     chat_expected.json and on tests/data/chat/tool_conversations.json (tools, assistant tool_calls, tool
     results): what transformers' apply_chat_template renders for the messages our server hands the template
     (computed here with jinja2) equals what our HTTP request path renders (the tool's "request" mode).
     The fixture conversations' recorded "rendered" must equal jinja2's too.
Exits 0 when everything agrees, 1 otherwise, 77 (ctest's skip) when jinja2 is not installed.
"""
import copy
import datetime
import json
import os
import subprocess
import sys

try:
    import jinja2
    from jinja2 import nodes
    from jinja2.ext import Extension
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError:
    print("SKIP: Python jinja2 is not installed (Debian: apt-get install python3-jinja2; "
          "scripts/install-deps.sh installs it)")
    sys.exit(77)

MODELS = ["llama3", "qwen3", "deepseek_v3", "gemma3"]
SPECIAL_KEYS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]


class TemplateRaised(Exception):
    """raise_exception() in a template: the template refuses the conversation."""


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
        raise TemplateRaised(message)

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


ENV = hf_environment()


def render(template, variables):
    """{"rendered": text} or {"error": message, "raised": bool}, the shape the C++ tool answers in."""
    try:
        return {"rendered": ENV.from_string(template).render(**variables)}
    except TemplateRaised as e:
        return {"error": str(e), "raised": True}
    except Exception as e:  # noqa: BLE001 - any other failure is the template failing on the input
        return {"error": f"{type(e).__name__}: {e}", "raised": False}


def run_tool(tool, request):
    out = subprocess.run([tool], input=json.dumps(request).encode(), capture_output=True, timeout=300)
    if out.returncode != 0:
        sys.exit(f"{tool} failed ({out.returncode}): {out.stderr.decode(errors='replace')}")
    return json.loads(out.stdout)


def same(a, b):
    """Both rendered the same text, or both failed (a template's own raise_exception with the same message)."""
    if "rendered" in a or "rendered" in b:
        return a.get("rendered") == b.get("rendered")
    if a["raised"] or b["raised"]:  # ours adds where it happened to the template's message
        return a["raised"] == b["raised"] and (a["error"] in b["error"] or b["error"] in a["error"])
    return True


# ---- what transformers renders for a chat request ---------------------------------------------------------------

def special_tokens_map(config):
    tokens = {}
    for key in SPECIAL_KEYS:
        value = config.get(key)
        if isinstance(value, dict):
            value = value.get("content")
        if value is not None:
            tokens[key] = value
    extra = config.get("additional_special_tokens") or []
    if extra:
        tokens["additional_special_tokens"] = [t["content"] if isinstance(t, dict) else t for t in extra]
    for key, value in (config.get("extra_special_tokens") or {}).items():
        tokens[key] = value["content"] if isinstance(value, dict) else value
    return tokens


def pick_template(config, with_tools):
    t = config["chat_template"]
    if isinstance(t, str):
        return t
    named = {entry["name"]: entry["template"] for entry in t}
    return named["tool_use"] if with_tools and "tool_use" in named else named["default"]


def server_messages(messages):
    """The messages as the server hands them on: text parts joined with newlines, everything else as sent."""
    out = []
    for m in messages:
        m = copy.deepcopy(m)
        if isinstance(m.get("content"), list):
            m["content"] = "\n".join(part["text"] for part in m["content"])
        m.setdefault("content", None)
        out.append(m)
    return out


def arguments_as_objects(messages):
    """Tool-call arguments sent as JSON text become objects (what tool-use templates expect, as vLLM does)."""
    out = copy.deepcopy(messages)
    for m in out:
        for call in m.get("tool_calls") or []:
            function = call.get("function") or {}
            args = function.get("arguments")
            if isinstance(args, str):
                try:
                    parsed = json.loads(args)
                except ValueError:
                    continue
                if isinstance(parsed, dict):
                    function["arguments"] = parsed
    return out


def null_content_as_empty(messages):
    out = copy.deepcopy(messages)
    for m in out:
        if m.get("content") is None:
            m["content"] = ""
    return out


def transformers_render(config, request):
    """The first of three readings of the messages the template renders without failing (a raise_exception is
    final): tool-call arguments as objects; as sent; as sent with null contents as ''."""
    messages = server_messages(request["messages"])
    tools = request.get("tools")
    variables = {"tools": tools, "documents": request.get("documents"),
                 "add_generation_prompt": request.get("add_generation_prompt", True)}
    variables.update(special_tokens_map(config))
    variables.update(request.get("chat_template_kwargs") or {})
    template = pick_template(config, tools is not None)
    result = None
    for attempt in (arguments_as_objects(messages), messages, null_content_as_empty(messages)):
        result = render(template, dict(variables, messages=attempt))
        if "rendered" in result or result["raised"]:
            return result
    return result


# ---- the checks --------------------------------------------------------------------------------------------------

def check_jinja_cases(tool, data):
    cases = json.load(open(os.path.join(data, "chat", "jinja_cases.json"), encoding="utf-8"))
    ours = run_tool(tool, {"mode": "template",
                           "cases": [{"template": c["template"], "vars": c.get("vars", {})} for c in cases]})
    bad = 0
    for case, got in zip(cases, ours):
        reference = render(case["template"], case.get("vars", {}))
        jinja_text = reference.get("rendered", f"<{reference.get('error')}>")
        if jinja_text != case["expected"]:
            bad += 1
            print(f"jinja_cases {case['name']}: recorded expectation differs from jinja2\n"
                  f"  recorded {case['expected']!r}\n  jinja2   {jinja_text!r}")
        if "rendered" in reference and got.get("rendered") != reference["rendered"]:
            bad += 1
            print(f"jinja_cases {case['name']}: ours differs from jinja2\n"
                  f"  jinja2 {reference['rendered']!r}\n  ours   {got!r}")
    print(f"jinja_cases.json: {len(cases)} cases, {bad} disagreements")
    return bad


def fixture_requests(data, model, config):
    """(name, request, recorded rendering or None) for the model's chat_expected.json and the tool conversations."""
    special = special_tokens_map(config)
    out = []
    for c in json.load(open(os.path.join(data, "tokenizers", model, "chat_expected.json"), encoding="utf-8")):
        kwargs = {k: v for k, v in c["extra_vars"].items() if k not in special and k not in ("tools", "documents")}
        request = {"messages": c["messages"], "add_generation_prompt": c["add_generation_prompt"]}
        if kwargs:
            request["chat_template_kwargs"] = kwargs
        # The server joins a list of content parts into one string (the templates here take strings), so a
        # recording made with the list itself does not apply.
        parts = any(isinstance(m.get("content"), list) for m in c["messages"])
        out.append((f"{c['name']} (add_generation_prompt={c['add_generation_prompt']})", request,
                    None if parts else c["rendered"]))
    for c in json.load(open(os.path.join(data, "chat", "tool_conversations.json"), encoding="utf-8")):
        out.append((c["name"], c["request"], None))
    return out


def check_fixture_templates(tool, data):
    bad = total = 0
    for model in MODELS:
        model_dir = os.path.join(data, "tokenizers", model)
        config = json.load(open(os.path.join(model_dir, "tokenizer_config.json"), encoding="utf-8"))
        requests = fixture_requests(data, model, config)
        ours = run_tool(tool, {"mode": "request", "model_dir": model_dir, "requests": [r for _, r, _ in requests]})
        for (name, request, recorded), got in zip(requests, ours):
            total += 1
            reference = transformers_render(config, request)
            if recorded is not None and reference.get("rendered") != recorded:
                bad += 1
                print(f"{model} {name}: jinja2 differs from the recorded rendering\n"
                      f"  recorded {recorded!r}\n  jinja2   {reference!r}")
            if not same(reference, got):
                bad += 1
                print(f"{model} {name}: ours differs from transformers (jinja2)\n"
                      f"  jinja2 {reference!r}\n  ours   {got!r}")
    print(f"fixture templates: {total} renders, {bad} disagreements")
    return bad


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tool, data = sys.argv[1], sys.argv[2]
    print(f"Python jinja2 {jinja2.__version__}")
    bad = check_jinja_cases(tool, data) + check_fixture_templates(tool, data)
    print("all agree" if bad == 0 else f"{bad} disagreements")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
