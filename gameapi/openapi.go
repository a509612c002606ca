package gameapi

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document of the API this package serves, the
// PayNow-compatible operations and the extensions, in YAML.
//
//go:embed openapi.yaml
var OpenAPI []byte
