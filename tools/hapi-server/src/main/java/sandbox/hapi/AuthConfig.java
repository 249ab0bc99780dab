package sandbox.hapi;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Bearer-token protection, only when {@code sandbox.auth.issuer} is set (see AuthProperties). */
@Configuration
@ConditionalOnProperty(prefix = "sandbox.auth", name = "issuer")
public class AuthConfig {

	@Bean
	public BearerAuthInterceptor bearerAuthInterceptor(AuthProperties props) {
		return new BearerAuthInterceptor(props);
	}

	/** SMART discovery: an exact servlet mapping wins over HAPI's /fhir/* mapping. */
	@Bean
	public ServletRegistrationBean<HttpServlet> smartConfiguration(AuthProperties props) {
		String body = "{\"token_endpoint\":\"" + props.effectiveTokenEndpoint() + "\","
				+ "\"token_endpoint_auth_methods_supported\":[\"client_secret_basic\",\"private_key_jwt\"],"
				+ "\"token_endpoint_auth_signing_alg_values_supported\":[\"RS384\",\"ES384\"],"
				+ "\"grant_types_supported\":[\"client_credentials\"],"
				+ "\"scopes_supported\":[\"system/*.read\",\"system/*.write\",\"system/*.rs\",\"system/*.cruds\"],"
				+ "\"capabilities\":[\"client-confidential-asymmetric\",\"client-confidential-symmetric\"]}";
		HttpServlet servlet = new HttpServlet() {
			@Override
			protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
				resp.setContentType("application/json");
				resp.getWriter().write(body);
			}
		};
		return new ServletRegistrationBean<>(servlet, "/fhir/.well-known/smart-configuration");
	}
}
