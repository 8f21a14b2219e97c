"""bench/lab_scale.py keeps working (the small scenario; the large one is the benchmark itself)."""
import json


def test_scale_benchmark_runs_the_small_scenario(tmp_path, capsys, load_bench):
    bench = load_bench("lab_scale")
    output = tmp_path / "lab_scale.json"
    bench.main(["--scenario", "small", "--quiet", "--timeout", "120", "--output", str(output)])
    result = json.loads(output.read_text())
    assert result["vms"] == 12 and result["ramp"]["all_running"] and result["ramp"]["running"] == 12
    assert result["list_all_pods"]["items"] > 12 and result["get_pod"]["samples"] > 0
    assert "all 12 VMs Running" in capsys.readouterr().out
