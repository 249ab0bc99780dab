package sandbox.hapi;

import ca.uhn.fhir.jpa.api.config.JpaStorageSettings.ClientIdStrategyEnum;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings.IdStrategyEnum;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The server switches the tests rely on. Key names follow hapi-fhir-jpaserver-starter
 * ({@code hapi.fhir.*}), so the same arguments work for the starter's Docker image.
 * Defaults live in application.properties; the ones here only guard against a missing file.
 */
@ConfigurationProperties(prefix = "hapi.fhir")
public record SandboxProperties(
		@DefaultValue("R4") String fhir_version,
		@DefaultValue("ANY") ClientIdStrategyEnum client_id_strategy,
		@DefaultValue("UUID") IdStrategyEnum server_id_strategy,
		@DefaultValue("true") boolean enforce_referential_integrity_on_write,
		@DefaultValue("true") boolean enforce_referential_integrity_on_delete,
		@DefaultValue("false") boolean auto_create_placeholder_reference_targets,
		@DefaultValue("false") boolean allow_external_references,
		@DefaultValue("true") boolean allow_multiple_delete,
		@DefaultValue("true") boolean expunge_enabled,
		@DefaultValue("true") boolean delete_expunge_enabled,
		@DefaultValue("0") long reuse_cached_search_results_millis,
		@DefaultValue("20") int default_page_size,
		@DefaultValue("200") int max_page_size,
		@DefaultValue("false") boolean default_pretty_print,
		@DefaultValue("false") boolean narrative_enabled,
		@DefaultValue("true") boolean etag_support_enabled,
		@DefaultValue("false") boolean enable_task_pre_expand_value_sets,
		@DefaultValue("false") boolean userRequestRetryVersionConflictsInterceptorEnabled,
		@DefaultValue("true") boolean bulk_export_enabled,
		@DefaultValue Subscription subscription) {

	public record Subscription(
			@DefaultValue("true") boolean resthook_enabled,
			@DefaultValue("false") boolean immediately_queued) {}
}
