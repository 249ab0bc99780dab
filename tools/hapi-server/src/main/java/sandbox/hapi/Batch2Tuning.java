package sandbox.hapi;

import ca.uhn.fhir.batch2.maintenance.JobMaintenanceServiceImpl;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Batch2 jobs ($expunge by job, DELETE ...&_expunge=true, $reindex) only advance a step per
 * maintenance pass, which HAPI runs once a minute: a delete-expunge then takes about two minutes.
 * A test sandbox wants its clean-up done in seconds, so the pass runs more often here.
 */
@Configuration
public class Batch2Tuning {

	@Bean
	public static BeanPostProcessor batch2MaintenanceInterval(
			@Value("${sandbox.batch2.maintenance-interval-ms:2000}") long intervalMillis) {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessBeforeInitialization(Object bean, String beanName) {
				if (bean instanceof JobMaintenanceServiceImpl maintenance) {
					maintenance.setScheduledJobFrequencyMillis(intervalMillis);
				}
				return bean;
			}
		};
	}
}
