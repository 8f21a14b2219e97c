"""bench/lab_api.py keeps working (small counts; the full run is `make bench`-sized)."""
import json


def test_small_benchmark_run(tmp_path, capsys, load_bench):
    bench = load_bench("lab_api")
    output = tmp_path / "lab_api.json"
    code = bench.main(["--nodes", "5", "--pods", "200", "--vmis", "50", "--watchers", "3", "--updates", "50",
                       "--output", str(output)])
    result = json.loads(output.read_text())
    assert code == 0 and result["targets_met"]
    assert result["list_all_pods"]["items"] == 200 and result["watch"]["all_received"]
    assert "LIST all pods" in capsys.readouterr().out
