"""A user's Python program against okube, through the official Kubernetes client (python3-kubernetes).

Run with /usr/bin/python3 (the Debian package's interpreter) and KUBECONFIG set. Each command
prints JSON on stdout, one document per line, flushed as it goes, so a test can read a watch
while it is still running:

  list NS                      {"names": [...], "resourceVersion": "..."}
  create NS FILE.json          the created Task
  patch NS NAME PATCH.json     the patched Task (a JSON merge patch, the client's default)
  get NS NAME                  the Task
  watch NS [--resource-version RV] [--name NAME] [--until TYPE:PHASE[:LABEL=VALUE]]... [--timeout S]
                               one line per event: {"type", "name", "resourceVersion", "phase", "labels"};
                               ends when every --until was seen (exit 0) or at the timeout (exit 3)
"""

import argparse
import json
import sys

from kubernetes import client, config, watch

GROUP, VERSION, PLURAL = "okube.dev", "v1alpha1", "tasks"


def out(doc):
    print(json.dumps(doc), flush=True)


def api():
    config.load_kube_config()
    return client.CustomObjectsApi()


def cmd_list(a):
    lst = api().list_namespaced_custom_object(GROUP, VERSION, a.namespace, PLURAL)
    out({"names": [i["metadata"]["name"] for i in lst["items"]], "resourceVersion": lst["metadata"]["resourceVersion"]})


def cmd_create(a):
    with open(a.file) as f:
        body = json.load(f)
    out(api().create_namespaced_custom_object(GROUP, VERSION, a.namespace, PLURAL, body))


def cmd_patch(a):
    with open(a.file) as f:
        body = json.load(f)
    out(api().patch_namespaced_custom_object(GROUP, VERSION, a.namespace, PLURAL, a.name, body))


def cmd_get(a):
    out(api().get_namespaced_custom_object(GROUP, VERSION, a.namespace, PLURAL, a.name))


def matches(cond, ev):
    """cond is TYPE[:PHASE[:KEY=VALUE]]; an empty part matches anything."""
    parts = cond.split(":")
    kind = parts[0]
    phase = parts[1] if len(parts) > 1 else ""
    label = parts[2] if len(parts) > 2 else ""
    if kind and ev["type"] != kind:
        return False
    if phase and ev["phase"] != phase:
        return False
    if label:
        k, _, v = label.partition("=")
        if ev["labels"].get(k) != v:
            return False
    return True


def cmd_watch(a):
    kwargs = {"timeout_seconds": a.timeout}
    if a.resource_version:
        kwargs["resource_version"] = a.resource_version
    pending = list(a.until)
    seen = 0
    w = watch.Watch()
    for ev in w.stream(api().list_namespaced_custom_object, GROUP, VERSION, a.namespace, PLURAL, **kwargs):
        obj = ev["object"]
        meta = obj.get("metadata", {})
        if a.name and meta.get("name") != a.name:
            continue
        line = {
            "type": ev["type"],
            "name": meta.get("name"),
            "resourceVersion": meta.get("resourceVersion"),
            "phase": (obj.get("status") or {}).get("phase", ""),
            "labels": meta.get("labels") or {},
        }
        out(line)
        seen += 1
        pending = [c for c in pending if not matches(c, line)]
        if a.until and not pending:
            w.stop()
            return 0
    if a.until:
        print(f"the watch ended after {seen} event(s) without: {', '.join(pending)}", file=sys.stderr, flush=True)
        return 3
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("list")
    s.add_argument("namespace")
    s.set_defaults(fn=cmd_list)
    s = sub.add_parser("create")
    s.add_argument("namespace")
    s.add_argument("file")
    s.set_defaults(fn=cmd_create)
    s = sub.add_parser("patch")
    s.add_argument("namespace")
    s.add_argument("name")
    s.add_argument("file")
    s.set_defaults(fn=cmd_patch)
    s = sub.add_parser("get")
    s.add_argument("namespace")
    s.add_argument("name")
    s.set_defaults(fn=cmd_get)
    s = sub.add_parser("watch")
    s.add_argument("namespace")
    s.add_argument("--resource-version")
    s.add_argument("--name")
    s.add_argument("--until", action="append", default=[])
    s.add_argument("--timeout", type=int, default=60)
    s.set_defaults(fn=cmd_watch)
    a = p.parse_args()
    try:
        return a.fn(a) or 0
    except client.rest.ApiException as e:
        print(f"ApiException {e.status}: {e.body}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
