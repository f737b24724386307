"""Validates the Kubernetes manifests in deploy/k8s (run by scripts/ci/validate-k8s.sh, which installs
the pinned kubernetes-validate into a venv first).

Three layers, every problem reported as `<file>: <Kind>/<name>: <field>: <what is wrong>`:
  1. built-in resources against the Kubernetes JSON schemas kubernetes-validate ships, strictly (unknown
     fields are errors) and for each pinned Kubernetes version; a resource with no schema (a typo in
     apiVersion or kind) is an error here, not the tool's warning;
  2. KEDA's ScaledObject and TriggerAuthentication, which no built-in schema knows, for what KEDA's CRD
     and scalers require (the behaviour block against the HPA v2 schema it embeds);
  3. the files against each other and the service: the config mount path the Dockerfile reads, the grace
     period against shutdown.deadlineMs, probes on /healthz and /readyz, the trigger's group, topic and
     brokers against the scorer's configuration, metric names the service exports.
Reads files, never the network.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import kubernetes_validate
import yaml
from kubernetes_validate.utils import SchemaNotFoundError, ValidationError, VersionNotSupportedError

ROOT = Path(__file__).resolve().parents[2]
K8S_VERSIONS = ("1.31.0", "1.37.0")  # the oldest release this targets, and the newest the validator ships
GRACE_MARGIN_S = 10  # terminationGracePeriodSeconds must be at least shutdown.deadlineMs + this
KEDA_API = "keda.sh/v1alpha1"
# Trigger metadata KEDA's scalers require. `kafka` is the Apache Kafka scaler; `apache-kafka` the
# experimental kafka-go one (same required fields). Other types are refused, so a typo cannot pass.
KEDA_TRIGGERS = {
    "kafka": ("bootstrapServers", "consumerGroup", "topic", "lagThreshold"),
    "apache-kafka": ("bootstrapServers", "consumerGroup", "topic", "lagThreshold"),
    "prometheus": ("serverAddress", "query", "threshold"),
}
KEDA_METRIC_TYPES = ("AverageValue", "Value", "Utilization")
SASL_MODES = {"plain": "plaintext", "scram-sha-256": "scram_sha256", "scram-sha-512": "scram_sha512"}
DEFAULTS = {"kafka.groupId": "stream-scorer", "shutdown.deadlineMs": 30000, "http.port": 9464, "backpressure.globalBudget": 20000}


class Doc:
    def __init__(self, file, obj):
        self.file, self.obj = file, obj
        meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        self.kind, self.name = obj.get("kind", "?"), meta.get("name", "?")

    def __str__(self):
        return f"{self.file}: {self.kind}/{self.name}"


class Problems(list):
    def add(self, where, field, message):
        self.append(f"{where}: {field}: {message}" if field else f"{where}: {message}")


def path_str(parts):
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def get(tree, dotted, default=None):
    for key in dotted.split("."):
        if not isinstance(tree, dict) or key not in tree:
            return default
        tree = tree[key]
    return tree


def load(paths):
    docs, kustomizations = [], []
    files = [f for p in paths for f in (sorted(Path(p).glob("*.yaml")) if Path(p).is_dir() else [Path(p)])]
    for file in files:
        rel = file.resolve().relative_to(ROOT) if file.resolve().is_relative_to(ROOT) else file
        for obj in yaml.safe_load_all(file.read_text()):
            if not obj:
                continue
            if not isinstance(obj, dict):
                raise SystemExit(f"{rel}: a document that is not a mapping")
            (kustomizations if obj.get("kind") == "Kustomization" else docs).append(Doc(rel, obj))
    return docs, kustomizations


# 1. Built-in resources ------------------------------------------------------------------------------


def check_builtin(doc, versions, problems, where=None, prefix=()):
    for version in versions:
        try:
            kubernetes_validate.validate(doc.obj, version, strict=True)
        except ValidationError as e:
            # prefix: where a wrapped part (see check_keda) sits in the real resource, in place of `spec`
            path = [*prefix, *list(e.absolute_path)[1:]] if prefix else e.absolute_path
            problems.add(where or doc, path_str(path), f"{e.message} (Kubernetes {version})")
            return
        except SchemaNotFoundError:
            what = f"{doc.obj.get('apiVersion')} {doc.kind}"
            problems.add(where or doc, "apiVersion", f"no Kubernetes {version} schema for {what}: not a built-in resource")
            return
        except VersionNotSupportedError:
            raise SystemExit(f"kubernetes-validate {kubernetes_validate.__version__} has no schemas for Kubernetes {version}")


# 2. KEDA ------------------------------------------------------------------------------------------


def check_keda(doc, versions, problems):
    obj = doc.obj
    if obj.get("apiVersion") != KEDA_API:
        problems.add(doc, "apiVersion", f"{obj.get('apiVersion')!r}: KEDA 2 serves {doc.kind} as {KEDA_API} (keda.k8s.io was KEDA 1)")
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        problems.add(doc, "spec", "required")
        return
    if doc.kind == "TriggerAuthentication":
        refs = spec.get("secretTargetRef", [])
        for i, ref in enumerate(refs if isinstance(refs, list) else [None]):
            for key in ("parameter", "name", "key"):
                if not isinstance(ref, dict) or not isinstance(ref.get(key), str) or not ref[key]:
                    problems.add(doc, f"spec.secretTargetRef[{i}].{key}", "required, a string")
        return
    if doc.kind != "ScaledObject":
        problems.add(doc, "kind", "only ScaledObject and TriggerAuthentication are checked here")
        return
    if not isinstance(get(spec, "scaleTargetRef.name"), str) or not spec["scaleTargetRef"]["name"]:
        problems.add(doc, "spec.scaleTargetRef.name", "required: the Deployment to scale")
    for key in ("minReplicaCount", "maxReplicaCount", "idleReplicaCount", "pollingInterval", "cooldownPeriod"):
        if key in spec and (not isinstance(spec[key], int) or isinstance(spec[key], bool) or spec[key] < 0):
            problems.add(doc, f"spec.{key}", f"{spec[key]!r}: must be a non-negative integer")
    low, high = spec.get("minReplicaCount", 0), spec.get("maxReplicaCount", 100)
    if isinstance(low, int) and isinstance(high, int) and high < max(low, 1):
        problems.add(doc, "spec.maxReplicaCount", f"{high} is below minReplicaCount {low} or below 1")
    behavior = get(spec, "advanced.horizontalPodAutoscalerConfig.behavior")
    if behavior is not None:  # KEDA's CRD embeds the HPA v2 type: check it against that schema
        hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": doc.name},
               "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "x"}, "maxReplicas": 1, "behavior": behavior}}
        check_builtin(Doc(doc.file, hpa), versions, problems, where=doc, prefix=("spec", "advanced", "horizontalPodAutoscalerConfig"))
    triggers = spec.get("triggers")
    if not isinstance(triggers, list) or not triggers:
        problems.add(doc, "spec.triggers", "required: at least one trigger")
        return
    for i, trigger in enumerate(triggers):
        at = f"spec.triggers[{i}]"
        if not isinstance(trigger, dict):
            problems.add(doc, at, "must be a mapping with type and metadata")
            continue
        kind, metadata = trigger.get("type"), trigger.get("metadata")
        if kind not in KEDA_TRIGGERS:
            known = ", ".join(KEDA_TRIGGERS)
            problems.add(doc, f"{at}.type", f"{kind!r}: required, one of {known} (add others to KEDA_TRIGGERS in {Path(__file__).name})")
        if not isinstance(metadata, dict):
            problems.add(doc, f"{at}.metadata", "required, a mapping")
            continue
        for key, value in metadata.items():
            if not isinstance(value, str):
                problems.add(doc, f"{at}.metadata.{key}", f"{value!r} must be a string (quote it): the CRD types metadata as string to string")
        for key in KEDA_TRIGGERS.get(kind, ()):
            if not metadata.get(key):
                problems.add(doc, f"{at}.metadata.{key}", f"required by the {kind} trigger")
        for key in ("lagThreshold", "threshold"):
            value = metadata.get(key)
            if isinstance(value, str) and value and (not re.fullmatch(r"\d+(\.\d+)?", value) or float(value) == 0):
                problems.add(doc, f"{at}.metadata.{key}", f"{value!r}: must be a positive number")
        if "metricType" in trigger and trigger["metricType"] not in KEDA_METRIC_TYPES:
            problems.add(doc, f"{at}.metricType", f"{trigger['metricType']!r}: one of {', '.join(KEDA_METRIC_TYPES)}")
        if "authenticationRef" in trigger and not get(trigger, "authenticationRef.name"):
            problems.add(doc, f"{at}.authenticationRef.name", "required")


# 3. The files against each other and the service -----------------------------------------------------


def exported_metrics():
    """Metric names src/observability registers (prometheus histograms add _bucket, _sum and _count)."""
    names = set()
    for file in (ROOT / "src" / "observability").glob("*.ts"):
        text = file.read_text()
        names |= {"scorer_" + n for n in re.findall(r"\b(?:counter|gauge|histogram)\(\s*'([a-z0-9_]+)'", text)}
        names |= set(re.findall(r"name:\s*'(scorer_[a-z0-9_]+)'", text))
    return names


def dockerfile_config_path():
    cmd = next((line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD ")), None)
    args = json.loads(cmd[4:]) if cmd else []
    return args[args.index("--config") + 1] if "--config" in args else None


def check_together(docs, kustomizations, problems):
    by_kind = {}
    for doc in docs:
        by_kind.setdefault(doc.kind, []).append(doc)
    namespaces = {get(d.obj, "metadata.namespace") for d in docs}
    if len(namespaces) > 1:
        problems.add(docs[0].file.parent, "metadata.namespace", f"the resources disagree: {sorted(map(str, namespaces))}")
    for kustomization in kustomizations:
        for i, res in enumerate(kustomization.obj.get("resources", [])):
            if not (ROOT / kustomization.file).parent.joinpath(res).exists():
                problems.add(kustomization.file, f"resources[{i}]", f"{res}: no such file")
    deployments = by_kind.get("Deployment", [])
    if len(deployments) != 1:
        return  # the rest is about the one Deployment and what refers to it
    dep = deployments[0]
    pod = get(dep.obj, "spec.template.spec", {})
    labels = get(dep.obj, "spec.template.metadata.labels", {})
    containers = pod.get("containers") or [{}]
    index = next((i for i, c in enumerate(containers) if c.get("name") == dep.name), 0)
    container, at_container = containers[index], f"spec.template.spec.containers[{index}]"
    env = {e.get("name"): e for e in container.get("env", [])}
    for d in [dep, *by_kind.get("PodDisruptionBudget", [])]:
        selector = get(d.obj, "spec.selector.matchLabels", {})
        if any(labels.get(k) != v for k, v in selector.items()):
            problems.add(d, "spec.selector.matchLabels", f"{selector} does not select the pod template's labels {labels}")

    # The configuration file: the ConfigMap mounted where the Dockerfile's CMD reads it.
    config, config_doc, config_path = None, None, dockerfile_config_path()
    mounts = {m.get("name"): m.get("mountPath") for m in container.get("volumeMounts", [])}
    for volume in pod.get("volumes", []):
        if "configMap" in volume and config_path and mounts.get(volume.get("name")) == str(Path(config_path).parent):
            cm = next((c for c in by_kind.get("ConfigMap", []) if c.name == get(volume, "configMap.name")), None)
            text = get(cm.obj, "data", {}).get(Path(config_path).name) if cm else None
            if text is None:
                key = Path(config_path).name
                problems.add(dep, f"volume {volume.get('name')}", f"mounted at {mounts[volume['name']]}, but no ConfigMap here has the key {key}")
            else:
                config, config_doc = yaml.safe_load(text) or {}, cm
    if config is None:
        problems.add(dep, f"{at_container}.volumeMounts", f"no ConfigMap volume holds {config_path}, the file the Dockerfile's CMD reads")
        return
    if "SCORER_KAFKA__BROKERS" in env:
        config.setdefault("kafka", {})["brokers"] = env["SCORER_KAFKA__BROKERS"].get("value", "").split(",")
    setting = lambda key: get(config, key, DEFAULTS.get(key))  # noqa: E731

    # The pod against the configuration it runs.
    deadline_s = setting("shutdown.deadlineMs") / 1000
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace < deadline_s + GRACE_MARGIN_S:
        need = f"at least shutdown.deadlineMs ({deadline_s:g} s) + {GRACE_MARGIN_S} s"
        problems.add(dep, "spec.template.spec.terminationGracePeriodSeconds", f"{grace} s must be {need}, or SIGKILL can cut the drain, produce and commit short")
    ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        got = get(container, f"{probe}.httpGet", {})
        port = ports.get(got.get("port"), got.get("port"))
        if got.get("path") != path or port != setting("http.port"):
            found = f"{got.get('path')} on port {port}" if got else "missing"
            problems.add(dep, f"{at_container}.{probe}.httpGet", f"{found}; the scorer serves {path} on http.port {setting('http.port')}")
    if get(config, "inference.threads") is None:
        problems.add(config_doc, f"data.{Path(config_path).name}: inference.threads", "set it: the default counts the node's cores, not the pod's CPU")
    password_file = get(config, "kafka.sasl.passwordFile")
    secret_dirs = {mounts.get(v.get("name")) for v in pod.get("volumes", []) if "secret" in v}
    if password_file and str(Path(password_file).parent) not in secret_dirs:
        where = Path(password_file).parent
        problems.add(dep, f"{at_container}.volumeMounts", f"no Secret volume is mounted at {where} for kafka.sasl.passwordFile {password_file}")

    # The autoscalers: the Deployment they scale, and the trigger's view of the scorer.
    metrics = exported_metrics()
    auths = {d.name for d in by_kind.get("TriggerAuthentication", [])}
    for so in by_kind.get("ScaledObject", []) + by_kind.get("HorizontalPodAutoscaler", []):
        if get(so.obj, "spec.scaleTargetRef.name") != dep.name:
            problems.add(so, "spec.scaleTargetRef.name", f"{get(so.obj, 'spec.scaleTargetRef.name')!r}, not the Deployment {dep.name!r}")
    for so in by_kind.get("ScaledObject", []):
        for i, trigger in enumerate(get(so.obj, "spec.triggers", [])):
            meta, at = trigger.get("metadata") or {}, f"spec.triggers[{i}]"
            ref = get(trigger, "authenticationRef.name")
            if ref and ref not in auths:
                problems.add(so, f"{at}.authenticationRef.name", f"{ref!r}: no TriggerAuthentication of that name here")
            if trigger.get("type") in ("kafka", "apache-kafka"):
                expect = {"consumerGroup": setting("kafka.groupId"), "bootstrapServers": ",".join(get(config, "kafka.brokers", []))}
                for key, want in expect.items():
                    if meta.get(key) != want:
                        problems.add(so, f"{at}.metadata.{key}", f"{meta.get(key)!r}, but the scorer uses {want!r}")
                topics = [i.get("topic") for i in config.get("inputs", [])]
                if meta.get("topic") not in topics:
                    inputs = ", ".join(map(str, topics))
                    problems.add(so, f"{at}.metadata.topic", f"{meta.get('topic')!r} is not an input topic of the scorer ({inputs})")
                sasl = SASL_MODES.get(get(config, "kafka.sasl.mechanism"), "none")
                if meta.get("sasl", "none") != sasl:
                    problems.add(so, f"{at}.metadata.sasl", f"{meta.get('sasl', 'none')!r}, but the scorer authenticates with {sasl!r}")
                budget = setting("backpressure.globalBudget")
                if str(meta.get("lagThreshold", "")).isdigit() and int(meta["lagThreshold"]) <= budget:
                    why = "a replica's own uncommitted window would count as backlog"
                    problems.add(so, f"{at}.metadata.lagThreshold", f"{meta['lagThreshold']} is not above backpressure.globalBudget ({budget}): {why}")
            if trigger.get("type") == "prometheus":
                for name in re.findall(r"\bscorer_[a-z0-9_]+", meta.get("query", "")):
                    if name not in metrics and re.sub(r"_(bucket|sum|count)$", "", name) not in metrics:
                        problems.add(so, f"{at}.metadata.query", f"{name}: the scorer exports no such metric (src/observability)")
    listed = {Path(r).name for k in kustomizations for r in k.obj.get("resources", [])}
    scalers = [d for d in by_kind.get("ScaledObject", []) + by_kind.get("HorizontalPodAutoscaler", []) if d.file.name in listed]
    if len(scalers) > 1:
        both = ", ".join(map(str, scalers))
        problems.add(scalers[0].file.parent / "kustomization.yaml", "resources", f"lists {len(scalers)} autoscalers for one Deployment: {both}")


def check(docs, kustomizations, versions=K8S_VERSIONS):
    problems = Problems()
    for doc in docs:
        if str(doc.obj.get("apiVersion", "")).startswith(("keda.sh/", "keda.k8s.io/")) or doc.kind in ("ScaledObject", "TriggerAuthentication"):
            check_keda(doc, versions, problems)
        else:
            check_builtin(doc, versions, problems)
    try:
        check_together(docs, kustomizations, problems)
    except (AttributeError, TypeError, KeyError, ValueError) as e:  # a shape the schemas above refused
        if not problems:
            problems.add(docs[0].file.parent if docs else "deploy/k8s", "", f"the cross-checks could not read the resources: {e!r}")
    return problems


def emit_config(docs, out):
    """Writes the ConfigMap's scorer.yaml and the container's SCORER_* environment (placeholders for
    values from Secrets), for `stream-scorer check` to validate as the pod would load them."""
    out.mkdir(parents=True, exist_ok=True)
    cm = next(d for d in docs if d.kind == "ConfigMap")
    dep = next(d for d in docs if d.kind == "Deployment")
    name = Path(dockerfile_config_path()).name
    (out / name).write_text(cm.obj["data"][name])
    lines = []
    for container in get(dep.obj, "spec.template.spec.containers", []):
        for e in container.get("env", []):
            if e.get("name", "").startswith("SCORER_"):
                lines.append(f"{e['name']}={e['value'] if 'value' in e else 'from-' + e['name'].lower()}")
    (out / "env").write_text("".join(line + "\n" for line in lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="*", default=[str(ROOT / "deploy" / "k8s")], help="directories or files (default: deploy/k8s)")
    parser.add_argument("--emit-config", type=Path, help="also write the ConfigMap's config file and env here")
    args = parser.parse_args()
    docs, kustomizations = load(args.paths)
    problems = check(docs, kustomizations)
    for problem in problems:
        print(f"ERROR {problem}")
    if problems:
        print(f"validate_k8s: {len(problems)} problem(s) in {len(docs)} resources", file=sys.stderr)
        return 1
    for doc in docs:
        how = "KEDA's CRD rules" if doc.obj.get("apiVersion", "").startswith("keda.sh/") else f"Kubernetes {', '.join(K8S_VERSIONS)} (strict)"
        print(f"ok {doc}: {how}")
    print(f"ok {len(kustomizations)} kustomization(s); cross-checks against the Dockerfile, the configuration and src/observability")
    if args.emit_config:
        emit_config(docs, args.emit_config)
    return 0


if __name__ == "__main__":
    sys.exit(main())

