"""Time constants and lab knobs of the KubeVirt component: presets overridden by lab.overrides.

Overrides are read under the bare name or prefixed with "kubevirt." (e.g. "kubevirt.migration_seconds").
"""

PRESETS = {
    # "fast" compresses every KubeVirt duration for tests; "realistic" uses the real magnitudes.
    "fast": {
        "resync_seconds": 30.0,             # every object re-examined (safety net for missed events)
        "vmi_boot_seconds": 0.2,            # launcher pod Running -> VMI Running (domain start)
        "migration_time_scale": 0.02,       # factor applied to migration durations AND their timeouts
        "migration_step_seconds": 0.1,      # PreparingTarget / TargetReady handshakes
        "migration_bandwidth": 1 << 30,     # bytes/s used when bandwidthPerMigration is 0 (unlimited)
        "migration_seconds": None,          # fixed duration of the memory copy (benchmarks); None = computed
        "unschedulable_target_timeout": 5.0,  # target pod unschedulable this long -> migration Failed
        "evacuation_backoff_seconds": 0.5,  # first retry delay after a failed evacuation migration
        "evacuation_backoff_max_seconds": 5.0,
        "launcher_grace_extra_seconds": 15,  # virt-launcher pod grace = VMI grace + this
    },
    "realistic": {
        "resync_seconds": 120.0,
        "vmi_boot_seconds": 5.0,
        "migration_time_scale": 1.0,
        "migration_step_seconds": 1.0,
        "migration_bandwidth": 1 << 30,
        "migration_seconds": None,
        "unschedulable_target_timeout": 300.0,
        "evacuation_backoff_seconds": 20.0,
        "evacuation_backoff_max_seconds": 300.0,
        "launcher_grace_extra_seconds": 15,
    },
}


def resolve_settings(preset: str, overrides: dict | None) -> dict:
    settings = dict(PRESETS.get(preset) or PRESETS["fast"])
    for name in settings:
        for key in (name, f"kubevirt.{name}"):
            if overrides and key in overrides:
                settings[name] = overrides[key]
    return settings
