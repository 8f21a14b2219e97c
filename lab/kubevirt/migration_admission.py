"""KubeVirt's migration mutating and validating webhooks for VirtualMachineInstanceMigration creation."""
from . import crds
from .migration_plan import FINAL_PHASES, phase_of
from .objects import find_condition, uid_of
from ..apiserver.errors import ApiError

VMI_NAME_LABEL = "kubevirt.io/vmi-name"
MIGRATION_FINALIZER = "kubevirt.io/migrationJobFinalize"
VALIDATOR = "migration-create-validator.kubevirt.io"


def _denied(message: str, code: int = 400) -> ApiError:
    return ApiError(code, "BadRequest" if code == 400 else "Invalid",
                    f'admission webhook "{VALIDATOR}" denied the request: {message}')


def mutate_migration(migration: dict):
    """The mutating webhook: label the migration with its VMI and hold it with KubeVirt's finalizer."""
    metadata = migration.setdefault("metadata", {})
    vmi_name = (migration.get("spec") or {}).get("vmiName")
    if vmi_name:
        metadata.setdefault("labels", {})[VMI_NAME_LABEL] = vmi_name
    finalizers = metadata.setdefault("finalizers", [])
    if MIGRATION_FINALIZER not in finalizers:
        finalizers.append(MIGRATION_FINALIZER)


def validate_migration(migration: dict, vmi: dict | None, migrations_of_vmi: list):
    """Raises the webhook's denial, or returns when KubeVirt admits the migration (pure)."""
    spec = migration.get("spec") or {}
    namespace = (migration.get("metadata") or {}).get("namespace")
    if not spec.get("vmiName"):
        raise ApiError(422, "Invalid", f'admission webhook "{VALIDATOR}" denied the request: vmiName is missing',
                       {"causes": [{"reason": "FieldValueRequired", "message": "vmiName is missing",
                                    "field": "spec.vmiName"}]})
    if vmi is None:
        raise _denied(f'the VMI "{namespace}/{spec["vmiName"]}" does not exist')
    if (vmi.get("status") or {}).get("phase") in FINAL_PHASES:
        raise _denied("Cannot migrate VMI in finalized state.")
    migratable = find_condition(vmi, "LiveMigratable")
    if migratable and migratable.get("status") == "False":
        raise _denied(f"Cannot migrate VMI, Reason: {migratable.get('reason', '')}, "
                      f"Message: {migratable.get('message', '')}")
    for other in migrations_of_vmi:
        if phase_of(other) in FINAL_PHASES:
            continue
        raise _denied(f"in-flight migration detected. Active migration job ({uid_of(other)}) is currently "
                      f"already in progress for VMI {spec['vmiName']}.")


class MigrationAdmission:
    def __init__(self, store):
        self.store = store

    def __call__(self, request):
        migration = request.object or {}
        migration.setdefault("metadata", {}).setdefault("namespace", request.namespace)
        mutate_migration(migration)
        name = (migration.get("spec") or {}).get("vmiName")
        vmi = None
        if name:
            try:
                vmi = self.store.get(crds.VMI_KEY, request.namespace, name)
            except ApiError as error:
                if error.code != 404:
                    raise
        others, _ = self.store.list(crds.VMIM_KEY, request.namespace, label_selector=f"{VMI_NAME_LABEL}={name}") \
            if name else ([], "")
        validate_migration(migration, vmi, others)
