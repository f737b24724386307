"""Tests of validate_k8s.py: the real manifests pass, and each kind of breakage fails naming the file,
the resource and the field. Run by scripts/ci/validate-k8s.sh (python -m unittest, in the checker's venv)."""

import copy
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import validate_k8s as v  # noqa: E402

DOCS, KUSTOMIZATIONS = v.load([v.ROOT / "deploy" / "k8s"])


def broken(kind, change, name=None):
    """The problems found once `change` has edited a copy of the resource of that kind."""
    docs = copy.deepcopy(DOCS)
    change(next(d for d in docs if d.kind == kind and (name is None or d.name == name)).obj)
    return v.check(docs, KUSTOMIZATIONS)


def kafka_trigger(so):
    return next(t for t in so["spec"]["triggers"] if t["type"] == "kafka")


def prometheus_trigger(so):
    return next(t for t in so["spec"]["triggers"] if t["type"] == "prometheus")


def container(dep):
    return dep["spec"]["template"]["spec"]["containers"][0]


class RealManifests(unittest.TestCase):
    def test_pass(self):
        self.assertEqual(v.check(DOCS, KUSTOMIZATIONS), [])

    def test_cover_every_resource_the_issue_asks_for(self):
        kinds = {d.kind for d in DOCS}
        for kind in ("ConfigMap", "Deployment", "PodDisruptionBudget", "ScaledObject", "HorizontalPodAutoscaler"):
            self.assertIn(kind, kinds)


class BrokenManifests(unittest.TestCase):
    def assertProblem(self, problems, *parts):
        self.assertTrue(any(all(p in problem for p in parts) for problem in problems), f"no problem with {parts} in {problems}")

    def test_kafka_trigger_without_lag_threshold(self):
        problems = broken("ScaledObject", lambda so: kafka_trigger(so)["metadata"].pop("lagThreshold"))
        self.assertProblem(problems, "deploy/k8s/scaledobject.yaml: ScaledObject/stream-scorer", "spec.triggers[0].metadata.lagThreshold", "required by the kafka trigger")

    def test_prometheus_trigger_without_query(self):
        problems = broken("ScaledObject", lambda so: prometheus_trigger(so)["metadata"].pop("query"))
        self.assertProblem(problems, "spec.triggers[1].metadata.query", "required by the prometheus trigger")

    def test_unquoted_metadata_value(self):
        problems = broken("ScaledObject", lambda so: kafka_trigger(so)["metadata"].update(allowIdleConsumers=False))
        self.assertProblem(problems, "metadata.allowIdleConsumers", "must be a string")

    def test_trigger_type_typo(self):
        problems = broken("ScaledObject", lambda so: kafka_trigger(so).update(type="kafak"))
        self.assertProblem(problems, "spec.triggers[0].type", "'kafak'")

    def test_keda_1_api_group(self):
        problems = broken("ScaledObject", lambda so: so.update(apiVersion="keda.k8s.io/v1alpha1"))
        self.assertProblem(problems, "ScaledObject/stream-scorer: apiVersion", "keda.sh/v1alpha1")

    def test_scale_target_missing(self):
        problems = broken("ScaledObject", lambda so: so["spec"]["scaleTargetRef"].pop("name"))
        self.assertProblem(problems, "spec.scaleTargetRef.name", "required")

    def test_behavior_policy_checked_against_the_hpa_schema(self):
        problems = broken("ScaledObject", lambda so: so["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]["scaleDown"]["policies"][0].pop("periodSeconds"))
        self.assertProblem(problems, "spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.policies[0]", "'periodSeconds' is a required property")

    def test_consumer_group_differs_from_the_scorers(self):
        problems = broken("ScaledObject", lambda so: kafka_trigger(so)["metadata"].update(consumerGroup="other"))
        self.assertProblem(problems, "metadata.consumerGroup", "'stream-scorer'")

    def test_lag_threshold_within_the_budget(self):
        problems = broken("ScaledObject", lambda so: kafka_trigger(so)["metadata"].update(lagThreshold="10000"))
        self.assertProblem(problems, "metadata.lagThreshold", "backpressure.globalBudget")

    def test_query_on_a_metric_the_scorer_does_not_export(self):
        problems = broken("ScaledObject", lambda so: prometheus_trigger(so)["metadata"].update(query="sum(scorer_events_inflight)"))
        self.assertProblem(problems, "metadata.query", "scorer_events_inflight")

    def test_grace_period_too_close_to_the_deadline(self):
        problems = broken("Deployment", lambda dep: dep["spec"]["template"]["spec"].update(terminationGracePeriodSeconds=35))
        self.assertProblem(problems, "deploy/k8s/deployment.yaml: Deployment/stream-scorer", "terminationGracePeriodSeconds", "35 s")

    def test_unknown_field_is_refused(self):
        problems = broken("Deployment", lambda dep: container(dep)["livenessProbe"].update(httpGett=container(dep)["livenessProbe"].pop("httpGet")))
        self.assertProblem(problems, "spec.template.spec.containers[0].livenessProbe", "'httpGett' was unexpected", "Kubernetes 1.31.0")

    def test_wrong_type_is_refused(self):
        problems = broken("PodDisruptionBudget", lambda pdb: pdb["spec"].update(unhealthyPodEvictionPolicy=["AlwaysAllow"]))
        self.assertProblem(problems, "deploy/k8s/pdb.yaml: PodDisruptionBudget/stream-scorer: spec.unhealthyPodEvictionPolicy")

    def test_no_schema_is_an_error_not_a_warning(self):
        problems = broken("HorizontalPodAutoscaler", lambda hpa: hpa.update(apiVersion="autoscaling/v3"))
        self.assertProblem(problems, "HorizontalPodAutoscaler/stream-scorer: apiVersion", "not a built-in resource")

    def test_grace_period_follows_the_configured_deadline(self):
        problems = broken("ConfigMap", lambda cm: cm["data"].update({"scorer.yaml": cm["data"]["scorer.yaml"].replace("deadlineMs: 30000", "deadlineMs: 40000")}))
        self.assertProblem(problems, "terminationGracePeriodSeconds", "45 s must be at least shutdown.deadlineMs (40 s)")

    def test_threads_left_to_the_nodes_core_count(self):
        problems = broken("ConfigMap", lambda cm: cm["data"].update({"scorer.yaml": cm["data"]["scorer.yaml"].replace("threads: 1", "")}))
        self.assertProblem(problems, "deploy/k8s/configmap.yaml: ConfigMap/stream-scorer-config: data.scorer.yaml: inference.threads")

    def test_readiness_on_the_liveness_path(self):
        problems = broken("Deployment", lambda dep: container(dep)["readinessProbe"]["httpGet"].update(path="/healthz"))
        self.assertProblem(problems, "readinessProbe.httpGet", "/readyz")

    def test_config_mounted_elsewhere_than_the_dockerfile_reads(self):
        problems = broken("Deployment", lambda dep: container(dep)["volumeMounts"][0].update(mountPath="/etc/scorer"))
        self.assertProblem(problems, "Deployment/stream-scorer: spec.template.spec.containers[0].volumeMounts", "/etc/stream-scorer/scorer.yaml")

    def test_pdb_selecting_other_pods(self):
        problems = broken("PodDisruptionBudget", lambda pdb: pdb["spec"]["selector"]["matchLabels"].update({"app.kubernetes.io/name": "other"}))
        self.assertProblem(problems, "PodDisruptionBudget/stream-scorer: spec.selector.matchLabels")


if __name__ == "__main__":
    unittest.main()
