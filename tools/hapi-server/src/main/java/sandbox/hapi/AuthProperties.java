package sandbox.hapi;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Bearer-token protection of the FHIR endpoint ({@code sandbox.auth.*}), off unless
 * {@code sandbox.auth.issuer} is set. Tokens must be JWTs signed by a key in {@code jwks-uri}
 * (default: Keycloak's {@code <issuer>/protocol/openid-connect/certs}), issued by {@code issuer}
 * and unexpired; their {@code scope} claim grants reads and writes (SMART system scopes).
 * {@code token-endpoint} is advertised in {@code /fhir/.well-known/smart-configuration}.
 */
@ConfigurationProperties(prefix = "sandbox.auth")
public record AuthProperties(String issuer, String jwksUri, String tokenEndpoint) {

	public boolean enabled() {
		return issuer != null && !issuer.isBlank();
	}

	public String effectiveJwksUri() {
		return jwksUri != null && !jwksUri.isBlank() ? jwksUri : issuer + "/protocol/openid-connect/certs";
	}

	public String effectiveTokenEndpoint() {
		return tokenEndpoint != null && !tokenEndpoint.isBlank()
				? tokenEndpoint
				: issuer + "/protocol/openid-connect/token";
	}
}
