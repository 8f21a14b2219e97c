import time, cProfile, pstats, threading
from lab.cluster import runner as R
prof = cProfile.Profile()
flag = {"on": False}
orig_work = R.Runner._work
def work(self, limit):
    if flag["on"]:
        prof.enable()
        try: return orig_work(self, limit)
        finally: prof.disable()
    return orig_work(self, limit)
R.Runner._work = work
from lab.lab import Lab
lab = Lab(scenario="large", components=["cluster"], bmc=False)
t0=time.time(); lab.start()
c = lab.component("cluster")
print("settled", c.wait_settled(120), time.time()-t0, flush=True)
flag["on"] = True
t=time.time()
for i in range(1000):
    lab.store.create("pods", c.admit_pod({"metadata": {"name": f"l-{i}", "namespace": "vms", "ownerReferences": []},
      "spec": {"nodeSelector": {"kubevirt.io/schedulable": "true"}, "restartPolicy": "Never",
      "containers": [{"name": "c", "image": "x", "resources": {"requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"devices.kubevirt.io/kvm": "1"}}}]}}))
print("created", time.time()-t, flush=True)
while True:
    pods = c.cache.list("pods", "vms")
    running = sum(1 for p in pods if p.get("status",{}).get("phase")=="Running")
    if running >= 1000 or time.time()-t > 120: break
    time.sleep(1)
print("running", running, time.time()-t)
lab.stop()
st = pstats.Stats(prof); st.sort_stats("cumulative").print_stats("placement|scheduler|podutil|cache", 25)
