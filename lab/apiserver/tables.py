"""meta.k8s.io/v1 Table output (`Accept: application/json;as=Table;...`), contract entry point.

Built-in kinds get the columns kube-apiserver's printers give them (kubectl shows the priority-0 ones,
`-o wide` adds the others); custom resources get their CRD's additionalPrinterColumns evaluated with a
JSONPath subset, or NAME and AGE when the CRD declares none (as CRD defaulting does). The caller adds
the list's resourceVersion/continue to the returned Table's metadata. Row objects share the given
objects (they are not copied).
"""
import copy
from datetime import datetime, timezone

from lab.apiserver.tables_builtin import AGE, NAME, PRINTERS, column
from lab.apiserver.tables_format import age, jsonpath, text

_ROW_OBJECT_MODES = ("None", "Metadata", "Object")


def _custom_column_definition(spec: dict) -> dict:
    return column(spec.get("name", ""), spec.get("type", "string"), spec.get("description", ""),
                  spec.get("priority", 0), spec.get("format", ""))


def _custom_cell(obj: dict, spec: dict, now: datetime):
    try:
        found = jsonpath(obj, spec.get("jsonPath", ""))
    except ValueError:
        return None
    if not found or found[0] is None:
        return None
    value, kind = found[0], spec.get("type", "string")
    if kind == "date":
        return age(value, now)
    if kind == "integer" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if kind == "boolean" and isinstance(value, bool):
        return value
    return text(value)


def _custom_printer(printer_columns: list):
    definitions = [NAME] + [_custom_column_definition(c) for c in printer_columns]

    def cells(obj: dict, now: datetime) -> list:
        return [(obj.get("metadata") or {}).get("name", "")] + [_custom_cell(obj, c, now) for c in printer_columns]
    return definitions, cells


def _generic_cells(obj: dict, now: datetime) -> list:
    meta = obj.get("metadata") or {}
    return [meta.get("name", ""), age(meta.get("creationTimestamp"), now)]


def _printer(rt, printer_columns):
    if printer_columns:
        return _custom_printer(printer_columns)
    if rt.key in PRINTERS:
        return PRINTERS[rt.key]
    return [NAME, AGE], _generic_cells


def _row_object(obj: dict, include_object: str):
    # Rows refer to the caller's objects (the store hands out copies already): copying 20,000 pods'
    # metadata again would double the time of `kubectl get pods -A`.
    if include_object == "Object":
        return obj
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata") or {}}


def to_table(rt, objects: list[dict], printer_columns: list | None = None, include_object: str = "Metadata",
             now: datetime | None = None) -> dict:
    if include_object not in _ROW_OBJECT_MODES:
        include_object = "Metadata"
    moment = now or datetime.now(timezone.utc)
    definitions, cells = _printer(rt, printer_columns)
    rows = []
    for obj in objects:
        row = {"cells": cells(obj, moment)}
        if include_object != "None":
            row["object"] = _row_object(obj, include_object)
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {},
            "columnDefinitions": copy.deepcopy(definitions), "rows": rows}
