// JSON Schema -> Grammar: the root produces exactly the JSON texts (compact or with any JSON whitespace
// between tokens) that the generator can emit for the schema; every one of them validates against it.
//
// Supported: boolean schemas; type (one or a list; inferred from the keywords when absent); object
// properties (emitted in the schema's order), required, additionalProperties (false, true or a schema);
// array items, prefixItems, minItems, maxItems; string minLength, maxLength, pattern (regex_parser.h's
// subset; unanchored patterns match anywhere, as JSON Schema says), format (date, time, date-time, uuid,
// email, ipv4); integer minimum, maximum, exclusiveMinimum, exclusiveMaximum; number minimum 0; enum,
// const; anyOf, oneOf (as alternatives: branches are assumed not to overlap), allOf (merged shallowly);
// $ref to the root ("#") or any JSON pointer inside the document ($defs, definitions), recursion included.
//
// Generation choices: a property absent from `properties` is never generated unless additionalProperties
// allows it explicitly (an omitted additionalProperties generates none, which every validator accepts).
// With `strict`, keywords that would constrain the value but are not supported (multipleOf, uniqueItems,
// patternProperties, number ranges, pattern together with length bounds, ...) are errors; without it they
// are ignored and the output may violate them. Annotations (title, description, default, examples, ...) are
// always ignored.
#pragma once

#include <string_view>

#include "engine/grammar/grammar.h"

namespace llmc::grammar {

struct JsonSchemaOptions {
  bool strict = false;
};

// Throws llmc::Error (naming the JSON pointer of the offending subschema) for invalid or unsupported schemas.
Grammar json_schema_grammar(std::string_view schema_json, const JsonSchemaOptions& options = {});

// Any JSON object (response_format json_object): `{` ... `}` with arbitrary values inside.
Grammar json_object_grammar();

}  // namespace llmc::grammar
