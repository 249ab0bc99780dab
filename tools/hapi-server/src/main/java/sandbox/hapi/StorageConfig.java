package sandbox.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings.ClientIdStrategyEnum;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.binstore.DatabaseBinaryContentStorageSvcImpl;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import jakarta.persistence.EntityManagerFactory;
import javax.sql.DataSource;
import org.hl7.fhir.dstu2.model.Subscription.SubscriptionChannelType;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.orm.jpa.JpaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * Persistence and storage behaviour: HAPI's R4 JPA configuration on the DataSource that Spring
 * Boot builds from {@code spring.datasource.*} (H2 in memory by default).
 */
@Configuration
@EnableTransactionManagement
@Import({JpaR4Config.class, HapiJpaConfig.class, ThreadPoolFactoryConfig.class})
public class StorageConfig {

	@Bean
	public JpaStorageSettings storageSettings(SandboxProperties props, ProductionProperties production) {
		if (!"R4".equalsIgnoreCase(props.fhir_version())) {
			throw new IllegalStateException("this sandbox server only serves FHIR R4, not " + props.fhir_version());
		}
		JpaStorageSettings settings = new JpaStorageSettings();
		// production-like mode: ids are the server's (PUT to a new id refused, HAPI-0959)
		settings.setResourceClientIdStrategy(
				production.refusesClientIds() ? ClientIdStrategyEnum.NOT_ALLOWED : props.client_id_strategy());
		settings.setResourceServerIdStrategy(props.server_id_strategy());
		settings.setEnforceReferentialIntegrityOnWrite(props.enforce_referential_integrity_on_write());
		settings.setEnforceReferentialIntegrityOnDelete(props.enforce_referential_integrity_on_delete());
		settings.setAutoCreatePlaceholderReferenceTargets(props.auto_create_placeholder_reference_targets());
		settings.setAllowExternalReferences(props.allow_external_references());
		settings.setAllowMultipleDelete(props.allow_multiple_delete());
		settings.setExpungeEnabled(props.expunge_enabled());
		settings.setDeleteExpungeEnabled(props.delete_expunge_enabled());
		settings.setReuseCachedSearchResultsForMillis(props.reuse_cached_search_results_millis());
		settings.setFetchSizeDefaultMaximum(props.max_page_size());
		settings.setEnableTaskPreExpandValueSets(props.enable_task_pre_expand_value_sets());
		// Bulk export: each output chunk is read by one search, which must stay within the
		// fetch size above (else HAPI-0464); every kick-off is a new job (no reuse of an
		// earlier export's files, which would hide what changed since).
		settings.setBulkExportFileMaximumCapacity(props.max_page_size());
		if (props.bulk_export_enabled()) {
			// the export reads each chunk by one synchronous _id search: not capped at a page
			settings.setFetchSizeDefaultMaximum(null);
		}
		settings.setEnableBulkExportJobReuse(false);
		return settings;
	}

	@Bean
	public PartitionSettings partitionSettings() {
		return new PartitionSettings();
	}

	@Bean
	public SubscriptionSettings subscriptionSettings(SandboxProperties props) {
		SubscriptionSettings settings = new SubscriptionSettings();
		if (props.subscription().resthook_enabled()) {
			settings.addSupportedSubscriptionType(SubscriptionChannelType.RESTHOOK);
		}
		settings.setSubscriptionChangeQueuedImmediately(props.subscription().immediately_queued());
		return settings;
	}

	/** The delivery handler factory insists on a sender; e-mail channels are never enabled here. */
	@Bean
	public IEmailSender emailSender() {
		return details -> {};
	}

	@Bean
	public DatabaseBinaryContentStorageSvcImpl binaryStorageSvc() {
		return new DatabaseBinaryContentStorageSvcImpl();
	}

	@Bean
	@Primary
	public LocalContainerEntityManagerFactoryBean entityManagerFactory(
			ConfigurableListableBeanFactory beanFactory,
			FhirContext fhirContext,
			JpaStorageSettings storageSettings,
			JpaProperties jpaProperties,
			DataSource dataSource) {
		LocalContainerEntityManagerFactoryBean factory =
				HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
		factory.setPersistenceUnitName("HAPI_PU");
		factory.setDataSource(dataSource);
		// hibernate.* settings come from spring.jpa.properties.* (application.properties)
		factory.setJpaPropertyMap(jpaProperties.getProperties());
		return factory;
	}

	@Bean
	@Primary
	public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
		return new JpaTransactionManager(entityManagerFactory);
	}
}
