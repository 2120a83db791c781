"""Runs Ansible's own inventory code many times in one Python process (its start-up costs ~0.6 s).

stdin: {"cli": [[ansible-inventory args...], ...], "sources": [...], "runs": [[pattern, limit or null], ...]}
stdout: {"cli": [{"code", "stdout", "stderr", "warnings"}], "runs": [{"hosts", "warnings"} or {"error"}]}

"cli" entries go through ansible.cli.inventory.InventoryCLI exactly as the ansible-inventory
command does; "runs" do what `ansible PATTERN --limit LIMIT --list-hosts` does:
InventoryManager.subset(limit) then list_hosts(pattern).

"warnings" are the messages Ansible's Display.warning was given, each once (as Display prints
them), before Display wraps them to the terminal's width: the comparison must not depend on how
wide a terminal is or where a path happens to break (textwrap breaks at hyphens).
"""
import contextlib
import io
import json
import sys

from ansible.cli.inventory import InventoryCLI
from ansible.utils.context_objects import GlobalCLIArgs
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.utils.display import Display

display = Display()
request = json.load(sys.stdin)
result = {"cli": [], "runs": []}
warnings = []
print_warning = Display.warning


def record_warning(self, msg, formatted=False):
    if msg not in warnings:
        warnings.append(msg)
    print_warning(self, msg, formatted)


Display.warning = record_warning


def captured(fn):
    display._warns = {}
    warnings.clear()
    out, err = io.StringIO(), io.StringIO()
    code = 0
    value = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            value = fn()
        except SystemExit as e:
            code = e.code
        except Exception as e:  # what cli_executor would print as ERROR!
            code = 1
            err.write("ERROR! %s\n" % e)
    return code, out.getvalue(), err.getvalue(), value, list(warnings)


def fresh_cli(args):
    # The parsed options are a process-wide singleton; each run must parse its own.
    GlobalCLIArgs._Singleton__instance = None
    return InventoryCLI(["ansible-inventory"] + args).run()


for args in request.get("cli", []):
    code, out, err, _, warned = captured(lambda: fresh_cli(args))
    result["cli"].append({"code": code, "stdout": out, "stderr": err, "warnings": warned})

if request.get("runs"):
    code, _, err, inventory, _ = captured(lambda: InventoryManager(loader=DataLoader(), sources=request["sources"]))
    for pattern, limit in request["runs"]:
        def select():
            inventory.subset(limit)
            try:
                return [getattr(h, "name", h) for h in inventory.list_hosts(pattern)]
            finally:
                inventory.subset(None)
        code, _, err, hosts, warned = captured(select)
        result["runs"].append({"hosts": hosts, "warnings": warned} if code == 0 else {"error": err})

json.dump(result, sys.stdout)
