package sandbox.hapi;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilder;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.text.ParseException;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requires a valid bearer JWT on every request but {@code /metadata} (no or bad token: 401) and
 * lets HAPI's AuthorizationInterceptor enforce the token's SMART scopes (missing scope: 403).
 * Transactions are allowed as such; each entry is then checked like a single request.
 */
public class BearerAuthInterceptor extends AuthorizationInterceptor {

	private static final Logger LOG = LoggerFactory.getLogger(BearerAuthInterceptor.class);
	private static final String REALM = "cm-fhir-sandbox";

	private final ConfigurableJWTProcessor<SecurityContext> processor;

	public BearerAuthInterceptor(AuthProperties props) {
		try {
			JWKSource<SecurityContext> keys =
					JWKSourceBuilder.create(URI.create(props.effectiveJwksUri()).toURL()).build();
			processor = new DefaultJWTProcessor<>();
			processor.setJWSKeySelector(new JWSVerificationKeySelector<>(
					Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
							JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.PS256),
					keys));
			DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
					new JWTClaimsSet.Builder().issuer(props.issuer()).build(), Set.of("exp", "iat"));
			// Keycloak and this server share one clock: an expired token is refused at once
			// (nimbus would allow 60 s), so the adapter's refresh-after-401 path is really used.
			claims.setMaxClockSkew(0);
			processor.setJWTClaimsSetVerifier(claims);
		} catch (MalformedURLException e) {
			throw new IllegalArgumentException("sandbox.auth.jwks-uri is not a URL", e);
		}
		LOG.info("bearer tokens required: issuer {}, keys from {}", props.issuer(), props.effectiveJwksUri());
	}

	@Override
	public List<IAuthRule> buildRuleList(RequestDetails request) {
		if (request.getRestOperationType() == RestOperationTypeEnum.METADATA) {
			return new RuleBuilder().allow("metadata").metadata().build();
		}
		SmartScopes scopes = SmartScopes.parse(scopeOf(request.getHeader("Authorization")));
		IAuthRuleBuilder rules = new RuleBuilder();
		rules.allow("metadata").metadata();
		rules.allow("transactions").transaction().withAnyOperation().andApplyNormalRules();
		if (scopes.readsAll()) {
			rules.allow("read").read().allResources().withAnyId();
			rules.allow("validate").operation().named("$validate").onAnyType().andAllowAllResponses();
		} else {
			for (String type : scopes.readTypes) {
				rules.allow("read " + type).read().resourcesOfType(type).withAnyId();
			}
		}
		if (scopes.writesAll()) {
			rules.allow("write").write().allResources().withAnyId();
			rules.allow("create").create().allResources().withAnyId();
			rules.allow("delete").delete().allResources().withAnyId();
			rules.allow("patch").patch().allRequests();
		} else {
			for (String type : scopes.writeTypes) {
				rules.allow("write " + type).write().resourcesOfType(type).withAnyId();
				rules.allow("create " + type).create().resourcesOfType(type).withAnyId();
				rules.allow("delete " + type).delete().resourcesOfType(type).withAnyId();
			}
		}
		return rules.denyAll("the token's scopes do not allow this").build();
	}

	/** The token's scope claim; a missing, malformed, unsigned, foreign or expired token is a 401. */
	private String scopeOf(String authorization) {
		if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
			throw unauthorized("a bearer token is required");
		}
		try {
			JWTClaimsSet claims = processor.process(authorization.substring(7).trim(), null);
			return claims.getStringClaim("scope");
		} catch (ParseException | BadJOSEException | JOSEException e) {
			throw unauthorized("invalid bearer token: " + e.getMessage());
		}
	}

	private static AuthenticationException unauthorized(String message) {
		AuthenticationException e = new AuthenticationException(message);
		e.addResponseHeader("WWW-Authenticate", "Bearer realm=\"" + REALM + "\"");
		return e;
	}
}
