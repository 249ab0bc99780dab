package sandbox.hapi;

import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.interceptor.UserRequestRetryVersionConflictsInterceptor;
import ca.uhn.fhir.jpa.provider.DiffProvider;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.provider.SubscriptionTriggeringProvider;
import ca.uhn.fhir.jpa.provider.ValueSetOperationProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.narrative2.NullNarrativeGenerator;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.ETagSupportEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.AutowireCapableBeanFactory;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The FHIR REST layer: one HAPI RestfulServer servlet at /fhir/* over the JPA DAOs. */
@Configuration
public class ServerConfig {

	@Bean
	public RestfulServer restfulServer(
			SandboxProperties props,
			IFhirSystemDao<?, ?> systemDao,
			IJpaSystemProvider systemProvider,
			ResourceProviderFactory resourceProviders,
			JpaStorageSettings storageSettings,
			ISearchParamRegistry searchParamRegistry,
			IValidationSupport validationSupport,
			DatabaseBackedPagingProvider pagingProvider,
			ValueSetOperationProvider valueSetProvider,
			SubscriptionTriggeringProvider subscriptionTriggeringProvider,
			DiffProvider diffProvider,
			ObjectProvider<BearerAuthInterceptor> bearerAuth,
			ObjectProvider<BulkDataExportProvider> bulkExport,
			ProductionProperties production) {
		RestfulServer server = new RestfulServer(systemDao.getContext());
		if (!props.narrative_enabled()) {
			systemDao.getContext().setNarrativeGenerator(new NullNarrativeGenerator());
		}
		server.registerProviders(resourceProviders.createProviders());
		server.registerProviders(systemProvider, valueSetProvider, subscriptionTriggeringProvider, diffProvider);
		if (props.bulk_export_enabled()) {
			// FHIR Bulk Data $export (system, Patient and Group level): payers import with it
			bulkExport.ifAvailable(server::registerProvider);
		}
		JpaCapabilityStatementProvider capabilities = new JpaCapabilityStatementProvider(
				server, systemDao, storageSettings, searchParamRegistry, validationSupport);
		capabilities.setImplementationDescription("Sandbox HAPI FHIR R4 server (tests only)");
		server.setServerConformanceProvider(capabilities);

		pagingProvider.setDefaultPageSize(props.default_page_size());
		pagingProvider.setMaximumPageSize(props.max_page_size());
		server.setPagingProvider(pagingProvider);

		server.setDefaultResponseEncoding(EncodingEnum.JSON);
		server.setDefaultPrettyPrint(props.default_pretty_print());
		server.setETagSupport(props.etag_support_enabled() ? ETagSupportEnum.ENABLED : ETagSupportEnum.DISABLED);
		// only when sandbox.auth.issuer is set (AuthConfig)
		bearerAuth.ifAvailable(server::registerInterceptor);
		if (production.enabled()) {
			server.registerInterceptor(new ProductionRulesInterceptor(production));
		}
		if (props.userRequestRetryVersionConflictsInterceptorEnabled()) {
			server.registerInterceptor(new UserRequestRetryVersionConflictsInterceptor());
		}
		return server;
	}

	@Bean
	public ServletRegistrationBean<RestfulServer> fhirServlet(
			RestfulServer server, AutowireCapableBeanFactory beanFactory) {
		// RestfulServer has @Autowired hooks of its own that Spring only fills in on request
		beanFactory.autowireBean(server);
		ServletRegistrationBean<RestfulServer> registration = new ServletRegistrationBean<>(server, "/fhir/*");
		registration.setLoadOnStartup(1);
		return registration;
	}
}
