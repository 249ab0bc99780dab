package sandbox.hapi;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration;
import org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/**
 * Entry point of the sandbox server. Lives in its own package so that component scanning never
 * walks HAPI's packages; HAPI's configuration is pulled in explicitly instead.
 */
@SpringBootApplication(
		// HAPI runs its own Quartz scheduler and renders no HTML; Hibernate Search drags an
		// Elasticsearch client onto the classpath that must not try to connect anywhere.
		exclude = {QuartzAutoConfiguration.class, ThymeleafAutoConfiguration.class},
		excludeName = "org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration")
@EnableConfigurationProperties({SandboxProperties.class, AuthProperties.class, ProductionProperties.class})
@Import({
	StorageConfig.class,
	Batch2Tuning.class,
	ServerConfig.class,
	AuthConfig.class,
	// implementation guide packages from local .tgz files (sandbox.ig.packages)
	IgPackagesConfig.class,
	// batch2 runs $expunge, delete-expunge and reindex jobs
	JpaBatch2Config.class,
	Batch2JobsConfig.class,
	// rest-hook subscriptions: submit on write, match, deliver
	SubscriptionSubmitterConfig.class,
	SubscriptionProcessorConfig.class,
	SubscriptionChannelConfig.class
})
public class Launcher {

	public static void main(String[] args) {
		SpringApplication.run(Launcher.class, args);
	}
}
