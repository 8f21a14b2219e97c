import time, threading
from lab.lab import Lab
lab = Lab(components=["cluster","kubevirt"], bmc=False); lab.start()
c = lab.component("cluster"); c.wait_settled(10)
flaps = []
def watch():
    seen = set()
    while not stop:
        for n in c.cache.list("nodes"):
            st = [x for x in n["status"]["conditions"] if x["type"]=="Ready"][0]["status"]
            if st != "True": seen.add(n["metadata"]["name"])
        time.sleep(0.05)
    flaps.append(seen)
stop = False
t = threading.Thread(target=watch); t.start()
def hog():
    end = time.time() + 6
    x = 0
    while time.time() < end: x += sum(range(1000))
hogs = [threading.Thread(target=hog) for _ in range(4)]
for h in hogs: h.start()
for i in range(400):
    lab.store.create("pods", c.admit_pod({"metadata": {"name": f"s-{i}", "namespace": "default"}, "spec": {"containers": [{"name": "c", "image": "x"}]}}))
for h in hogs: h.join()
# simulate a full stall of the process: hold the GIL in C for a while (big sort)
import random
data = [random.random() for _ in range(3_000_000)]
t0=time.time(); data.sort(); print("stall", round(time.time()-t0,2))
time.sleep(2)
stop = True; t.join()
print("nodes that were not Ready at some point:", flaps[0], "errors", c.runner.errors)
print("running", sum(1 for p in c.cache.list("pods","default") if p.get("status",{}).get("phase")=="Running"))
lab.stop()
