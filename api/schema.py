"""How the OpenAPI schema describes the API key."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ed_<prefix>_<secret>",
            "description": "An integration's API key, sent as `Authorization: Bearer <key>`.",
        }
