"""The cluster launcher config, and a trial whose two workers sit on two nodes."""

import copy
from pathlib import Path

import pytest
import yaml

from study.spec import spec_from_dict
from tests.study.ray.raytools import REPO, small_spec, trial_records

CLUSTER_YAML = REPO / "cluster.yaml"


def test_cluster_yaml_passes_rays_own_validator():
    from ray.autoscaler._private.util import prepare_config, validate_config

    config = yaml.safe_load(CLUSTER_YAML.read_text())
    validate_config(prepare_config(copy.deepcopy(config)))
    types = config["available_node_types"]
    assert "GPU" not in str(types["head"]["node_config"]["InstanceType"])
    assert any("pip install -e /home/ubuntu/mo-orpo" in c for c in config["setup_commands"])
    broken = copy.deepcopy(config)
    broken["available_node_types"]["gpu_worker"]["max_workers"] = "many"
    with pytest.raises(Exception, match="is not of type 'integer'"):
        validate_config(prepare_config(broken))


def test_two_workers_of_a_trial_run_on_two_nodes(ray_sandbox, tmp_path: Path, monkeypatch):
    import ray
    from ray.cluster_utils import Cluster
    from ray.util.state import list_actors

    # this process's Ray client read RAY_AUTH_MODE when ray was imported: keep it as it is
    monkeypatch.setenv("RAY_TMPDIR", ray_sandbox.root)
    storage = tmp_path / "studies"
    spec = small_spec("twonodes", storage, variants=[{"strategy": "scalarization", "w1": 0.6}])
    spec["base"].update(epochs=1, checkpoint_every_steps=None)
    spec["resources"] = {"workers": 2, "cpus_per_worker": 0.9, "trial_driver_cpus": 0.1,
                         "placement_strategy": "SPREAD"}
    study = spec_from_dict(spec)

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    try:
        cluster.wait_for_nodes()
        from study.launch import launch

        launch(study, address=cluster.address)
        workers = list_actors(filters=[("class_name", "=", "RayTrainWorker")], detail=True,
                              raise_on_missing_output=False)
        nodes = {a.node_id for a in workers}
        assert len(ray.nodes()) == 2 and len(nodes) == 2, workers
    finally:
        ray.shutdown()
        cluster.shutdown()
    (record,) = trial_records(storage, "twonodes")
    assert record["state"] == "terminated", record
    # 160 pairs in batches of 8 = 20 batches per epoch, split over 2 workers = 10 steps
    assert record["total_steps"] == 10 and record["steps_done"] == 10
