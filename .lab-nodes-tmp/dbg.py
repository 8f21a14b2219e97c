import time
from lab.cluster import scheduler as S
calls = {"bind": 0, "none": 0}
orig = S.Scheduler._bind
def bind(self, pod, node):
    calls["bind"] += 1
    r = orig(self, pod, node)
    if r is None: calls["none"] += 1
    return r
S.Scheduler._bind = bind
from lab.lab import Lab
lab = Lab(scenario="large", components=["cluster"], bmc=False); lab.start()
c = lab.component("cluster"); c.wait_settled(60)
calls.update(bind=0, none=0)
for i in range(1000):
    lab.store.create("pods", c.admit_pod({"metadata": {"name": f"l-{i}", "namespace": "default"}, "spec": {"containers": [{"name": "c", "image": "x"}]}}))
time.sleep(40)
print(calls, sum(1 for p in c.cache.list("pods","default") if p["spec"].get("nodeName")))
lab.stop()
