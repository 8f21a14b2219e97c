import time
from lab.lab import Lab
t=time.time()
with Lab() as lab:
    print("started", round(time.time()-t,1), lab.missing_components, list(lab.components))
    c = lab.component("cluster")
    lab.wait_for(lambda: sum(1 for v in lab.store.list("virtualmachineinstances.kubevirt.io")[0] if v.get("status",{}).get("phase")=="Running")==12, 30)
    lab.fail("worker-0", "power-off")
    lab.wait_for(lambda: not c.machines.is_powered("worker-0"), 20)
    print("powered off after", round(time.time()-t,1))
    lab.wait_for(lambda: [x for x in lab.store.get("nodes", None, "worker-0")["status"]["conditions"] if x["type"]=="Ready"][0]["status"]=="Unknown", 10)
    print(lab.render_status().split("Cluster")[1][:1500])
    print({k:v for k,v in c.truth.counters().items() if k!="intervals"})
    lab.recover("worker-0")
    lab.wait_for(lambda: c.machines.is_powered("worker-0"), 30)
    lab.wait_for(lambda: [x for x in lab.store.get("nodes", None, "worker-0")["status"]["conditions"] if x["type"]=="Ready"][0]["status"]=="True", 20)
    print("ready again", round(time.time()-t,1), "errors", c.runner.errors)
