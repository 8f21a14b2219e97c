"""Service cluster IPs and node ports, allocated by the API server as on a real cluster."""
import ipaddress
import threading

from . import errors

SERVICE_NETWORK = ipaddress.ip_network("172.30.0.0/16")   # OpenShift's default service network
NODE_PORTS = range(30000, 32768)


def _used(store):
    ips, ports = set(), set()
    for entry in store.snapshot("services")[0]:
        spec = entry.obj.get("spec") or {}
        for ip in spec.get("clusterIPs") or [spec.get("clusterIP")]:
            if ip and ip != "None":
                ips.add(ip)
        for port in spec.get("ports") or []:
            if isinstance(port, dict) and port.get("nodePort"):
                ports.add(port["nodePort"])
    return ips, ports


def _invalid(name, field, message):
    return errors.invalid("Service", name, [{"reason": "FieldValueInvalid", "field": field, "message": message}])


class ServiceAllocator:
    def __init__(self, store):
        self.store = store
        self._lock = threading.Lock()

    def allocate(self, service: dict) -> dict:
        """Fill clusterIP(s) and node ports of a Service being created; 422 when a requested one is taken."""
        spec = service.setdefault("spec", {})
        name = (service.get("metadata") or {}).get("name", "")
        if spec.get("type", "ClusterIP") == "ExternalName":
            return service
        with self._lock:
            ips, ports = _used(self.store)
            requested = spec.get("clusterIP")
            if requested in (None, ""):
                requested = next(str(ip) for ip in SERVICE_NETWORK.hosts() if ip.packed[-2:] != b"\x00\x01"
                                 and str(ip) not in ips)
            elif requested != "None":
                if ipaddress.ip_address(requested) not in SERVICE_NETWORK:
                    raise _invalid(name, "spec.clusterIPs", f'Invalid value: "{requested}": failed to allocate IP '
                                   f"{requested}: the provided IP ({requested}) is not in the valid range. The "
                                   f"range of valid IPs is {SERVICE_NETWORK}")
                if requested in ips:
                    raise _invalid(name, "spec.clusterIPs", f'Invalid value: []string{{"{requested}"}}: failed to '
                                   f"allocate IP {requested}: provided IP is already allocated")
            spec["clusterIP"] = requested
            spec["clusterIPs"] = [requested]
            if requested != "None":
                spec.setdefault("ipFamilies", ["IPv4"])
                spec.setdefault("ipFamilyPolicy", "SingleStack")
            if spec.get("type") in ("NodePort", "LoadBalancer"):
                for port in spec.get("ports") or []:
                    if port.get("nodePort"):
                        if port["nodePort"] in ports:
                            raise _invalid(name, "spec.ports.nodePort", f"Invalid value: {port['nodePort']}: "
                                           "provided port is already allocated")
                    else:
                        port["nodePort"] = next(p for p in NODE_PORTS if p not in ports)
                    ports.add(port["nodePort"])
        return service
