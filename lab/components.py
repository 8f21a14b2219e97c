"""The lab's components, as import strings, in start order (the API server comes first)."""
import importlib

COMPONENTS = (
    ("cluster", "lab.cluster:ClusterComponent"),
    ("kubevirt", "lab.kubevirt:KubeVirtComponent"),
    ("bmc", "lab.bmc:BmcComponent"),
    ("olm", "lab.olm:OlmComponent"),
    ("metrics", "lab.metrics:MetricsComponent"),
)
NAMES = tuple(name for name, _ in COMPONENTS)


class ComponentMissing(Exception):
    """The component's module or class does not exist (yet)."""


def load(import_string: str):
    module_name, _, class_name = import_string.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and (error.name == module_name or module_name.startswith(error.name + ".")):
            raise ComponentMissing(f"{module_name} is not there") from error
        raise
    try:
        return getattr(module, class_name)
    except AttributeError as error:
        raise ComponentMissing(f"{import_string} is not there") from error


def selected(names=None, bmc=True) -> list[tuple[str, str]]:
    """(name, import string) of the components to start, in start order."""
    if names is not None:
        unknown = set(names) - set(NAMES)
        if unknown:
            raise ValueError(f"unknown lab components: {sorted(unknown)}; known: {list(NAMES)}")
    chosen = [(n, s) for n, s in COMPONENTS if names is None or n in names]
    if not bmc:
        chosen = [(n, s) for n, s in chosen if n != "bmc"]
    return chosen
