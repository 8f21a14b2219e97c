"""The lab control endpoint /lab/v1/kubevirt: migration faults and migration timing knobs.

GET  /lab/v1/kubevirt                        -> the component's status
POST /lab/v1/kubevirt/fail-migrations        {"namespace", "vmi", "count"}   fail the VMI's next N migrations
POST /lab/v1/kubevirt/stall-migrations       {"namespace", "vmi", "count"}   next N make no progress
POST /lab/v1/kubevirt/migration-failure-rate {"rate": 0.0..1.0}               seeded random failures
POST /lab/v1/kubevirt/migration-timing       {"bandwidth": bytes/s | null, "seconds": s | null}
POST /lab/v1/kubevirt/clear-faults
"""
from ..apiserver import errors


def control_handler(component):
    def handle(request):
        parts = [p for p in request.path.split("/") if p][3:]
        if not parts:
            return 200, component.status()
        if request.method != "POST":
            raise errors.method_not_allowed("use POST")
        body = request.body if isinstance(request.body, dict) else {}
        action = parts[0]
        try:
            if action == "fail-migrations":
                component.faults.fail_next(body["namespace"], body["vmi"], int(body.get("count", 1)))
            elif action == "stall-migrations":
                component.faults.stall_next(body["namespace"], body["vmi"], int(body.get("count", 1)))
            elif action == "migration-failure-rate":
                component.faults.set_failure_rate(float(body["rate"]))
            elif action == "migration-timing":
                component.set_migration_timing(bandwidth=body.get("bandwidth"), seconds=body.get("seconds"))
            elif action == "clear-faults":
                component.faults.clear()
            else:
                raise errors.ApiError(404, "NotFound", f'no kubevirt control "{action}"', {})
        except (KeyError, ValueError, TypeError) as error:
            raise errors.bad_request(f"kubevirt control {action}: {error}")
        return 200, {"faults": component.faults.describe(), "timing": component.migration_timing_settings()}
    return handle
