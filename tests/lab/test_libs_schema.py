"""CRD structural schema enforcement: pruning, defaulting and validation messages."""
from lab.apiserver.schema import apply_defaults, prune, validate

SCHEMA = {
    "type": "object",
    "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {
            "type": "object",
            "required": ["selector"],
            "properties": {
                "selector": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "minHealthy": {"x-kubernetes-int-or-string": True, "pattern": "^((100|[0-9]{1,2})%|[0-9]+)$",
                               "default": "51%"},
                "mode": {"type": "string", "enum": ["Automatic", "Manual"], "default": "Automatic"},
                "replicas": {"type": "integer", "minimum": 0, "maximum": 10},
                "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1,
                          "exclusiveMaximum": True},
                "label": {"type": "string", "minLength": 2, "maxLength": 5},
                "enabled": {"type": "boolean"},
                "timeout": {"type": "string", "format": "duration"},
                "note": {"type": "string", "nullable": True},
                "templates": {
                    "type": "array", "minItems": 1, "maxItems": 2,
                    "items": {"type": "object", "required": ["name"],
                              "properties": {"name": {"type": "string"},
                                             "retries": {"type": "integer", "default": 3}}},
                },
                "params": {"type": "object", "additionalProperties": {"type": "string"}},
                "template": {"type": "object", "x-kubernetes-embedded-resource": True,
                             "x-kubernetes-preserve-unknown-fields": True},
                "settings": {"type": "object", "default": {},
                             "properties": {"interval": {"type": "string", "default": "10s"}}},
            },
        },
        "status": {"type": "object", "properties": {"phase": {"type": "string"}}},
    },
}


def _cr(spec):
    return {"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "t", "labels": {"a": "b"}}, "spec": spec}


def _by_field(causes):
    return {c["field"]: c for c in causes}


def test_valid_object_has_no_causes():
    spec = {"selector": {"matchLabels": {"a": "b"}}, "minHealthy": 2, "mode": "Manual", "replicas": 3,
            "ratio": 0.5, "label": "abc", "enabled": True, "timeout": "5m", "note": None,
            "templates": [{"name": "x"}], "params": {"k": "v"}}
    assert validate(SCHEMA, _cr(spec)) == []


def test_pattern_failure_names_the_field_like_the_apiserver():
    causes = validate(SCHEMA, _cr({"selector": {}, "minHealthy": "abc"}))
    assert causes == [{"reason": "FieldValueInvalid", "field": "spec.minHealthy",
                       "message": "Invalid value: \"abc\": spec.minHealthy in body should match "
                                  "'^((100|[0-9]{1,2})%|[0-9]+)$'"}]


def test_required_enum_and_type_messages():
    causes = _by_field(validate(SCHEMA, _cr({"mode": "Sometimes", "replicas": "three", "enabled": "yes"})))
    assert causes["spec.selector"] == {"reason": "FieldValueRequired", "field": "spec.selector",
                                       "message": "Required value"}
    assert causes["spec.mode"]["reason"] == "FieldValueNotSupported"
    assert causes["spec.mode"]["message"] == 'Unsupported value: "Sometimes": supported values: "Automatic", "Manual"'
    assert causes["spec.replicas"] == {
        "reason": "FieldValueTypeInvalid", "field": "spec.replicas",
        "message": 'Invalid value: "string": spec.replicas in body must be of type integer: "string"'}
    assert causes["spec.enabled"]["message"].endswith('must be of type boolean: "string"')


def test_numeric_bounds_including_exclusive():
    causes = _by_field(validate(SCHEMA, _cr({"selector": {}, "replicas": 11, "ratio": 1})))
    assert causes["spec.replicas"]["message"] == \
        "Invalid value: 11: spec.replicas in body should be less than or equal to 10"
    assert causes["spec.ratio"]["message"] == "Invalid value: 1: spec.ratio in body should be less than 1"
    low = _by_field(validate(SCHEMA, _cr({"selector": {}, "replicas": -1, "ratio": 0})))
    assert low["spec.replicas"]["message"].endswith("should be greater than or equal to 0")
    assert low["spec.ratio"]["message"].endswith("should be greater than 0")


def test_integer_accepts_integral_float_and_int_or_string_rejects_other_types():
    assert validate(SCHEMA, _cr({"selector": {}, "replicas": 3.0})) == []
    causes = _by_field(validate(SCHEMA, _cr({"selector": {}, "minHealthy": True})))
    assert causes["spec.minHealthy"]["message"] == \
        'Invalid value: "boolean": spec.minHealthy in body must be of type integer,string: "boolean"'


def test_string_lengths():
    short = _by_field(validate(SCHEMA, _cr({"selector": {}, "label": "a"})))
    assert short["spec.label"]["message"] == 'Invalid value: "a": spec.label in body should be at least 2 chars long'
    long = _by_field(validate(SCHEMA, _cr({"selector": {}, "label": "abcdef"})))
    assert long["spec.label"] == {"reason": "FieldValueTooLong", "field": "spec.label",
                                  "message": "Too long: may not be more than 5 bytes"}


def test_arrays_items_and_nested_paths():
    causes = _by_field(validate(SCHEMA, _cr({"selector": {}, "templates": [{"name": 1}, {}, {"name": "c"}]})))
    assert causes["spec.templates"]["reason"] == "FieldValueTooMany"
    assert causes["spec.templates"]["message"] == "Too many: 3: must have at most 2 items"
    assert causes["spec.templates[0].name"]["reason"] == "FieldValueTypeInvalid"
    assert causes["spec.templates[1].name"]["message"] == "Required value"
    empty = _by_field(validate(SCHEMA, _cr({"selector": {}, "templates": []})))
    assert empty["spec.templates"]["message"] == "Invalid value: 0: spec.templates in body should have at least 1 items"


def test_additional_properties_and_nullable():
    causes = _by_field(validate(SCHEMA, _cr({"selector": {}, "params": {"k": 5}, "label": None})))
    assert causes["spec.params.k"]["reason"] == "FieldValueTypeInvalid"
    assert causes["spec.label"]["message"] == 'Invalid value: "null": spec.label in body must be of type string: "null"'
    assert "spec.note" not in causes


def test_prune_drops_unknown_fields_but_keeps_preserved_and_embedded():
    obj = _cr({"selector": {"anything": {"deep": 1}}, "unknown": 1,
               "templates": [{"name": "a", "extra": True}],
               "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"x": 1}}})
    obj["status"] = {"phase": "Ok", "junk": 1}
    obj["topLevelJunk"] = 1
    pruned = prune(SCHEMA, obj)
    assert "unknown" not in pruned["spec"] and "topLevelJunk" not in pruned
    assert pruned["spec"]["selector"] == {"anything": {"deep": 1}}
    assert pruned["spec"]["templates"] == [{"name": "a"}]
    assert pruned["spec"]["template"]["metadata"] == {"name": "p"}
    assert pruned["status"] == {"phase": "Ok"}
    assert pruned["metadata"] == {"name": "t", "labels": {"a": "b"}}
    assert "unknown" in obj["spec"], "input must not be mutated"


def test_defaults_apply_where_the_parent_exists_and_recursively():
    defaulted = apply_defaults(SCHEMA, _cr({"selector": {}, "templates": [{"name": "a"}, {"name": "b", "retries": 0}]}))
    spec = defaulted["spec"]
    assert spec["minHealthy"] == "51%" and spec["mode"] == "Automatic"
    assert [t["retries"] for t in spec["templates"]] == [3, 0]
    assert spec["settings"] == {"interval": "10s"}, "nested defaults apply inside a defaulted object"
    assert "status" not in defaulted, "no default without a parent"
    assert apply_defaults(SCHEMA, {"metadata": {"name": "x"}}) == {"metadata": {"name": "x"}}


def test_null_without_nullable_is_defaulted_or_dropped():
    defaulted = apply_defaults(SCHEMA, _cr({"selector": {}, "mode": None, "label": None, "note": None}))
    assert defaulted["spec"]["mode"] == "Automatic"
    assert "label" not in defaulted["spec"]
    assert defaulted["spec"]["note"] is None


def test_list_type_set_and_map_reject_duplicates():
    schema = {"type": "object", "properties": {
        "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
        "conditions": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"],
                       "items": {"type": "object", "properties": {"type": {"type": "string"},
                                                                  "status": {"type": "string"}}}}}}
    causes = validate(schema, {"tags": ["a", "b", "a"],
                               "conditions": [{"type": "Ready", "status": "True"}, {"type": "Ready", "status": "False"}]})
    assert causes == [
        {"reason": "FieldValueDuplicate", "field": "tags[2]", "message": 'Duplicate value: "a"'},
        {"reason": "FieldValueDuplicate", "field": "conditions[1]", "message": 'Duplicate value: {"type":"Ready"}'},
    ]
