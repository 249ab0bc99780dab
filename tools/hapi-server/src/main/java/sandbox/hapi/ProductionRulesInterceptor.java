package sandbox.hapi;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.MethodNotAllowedException;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.SystemRestfulInteraction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request-level rules of the production-like mode (see ProductionProperties): a cap on the
 * entries of a transaction or batch, and no system-level history. Both refusals carry an
 * OperationOutcome whose diagnostics say what the limit is, as real servers do.
 */
@Interceptor
public class ProductionRulesInterceptor {

	private static final Logger LOG = LoggerFactory.getLogger(ProductionRulesInterceptor.class);

	private final ProductionProperties props;

	public ProductionRulesInterceptor(ProductionProperties props) {
		this.props = props;
		LOG.info(
				"production-like mode: client-assigned ids {}, at most {} entries per transaction, system history {}",
				props.clientIdsAllowed() ? "allowed" : "refused",
				props.maxTransactionEntries() > 0 ? props.maxTransactionEntries() : "unlimited",
				props.systemHistory() ? "on" : "off");
	}

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void preHandled(RequestDetails request, RestOperationTypeEnum operation) {
		if (operation == RestOperationTypeEnum.HISTORY_SYSTEM && !props.systemHistory()) {
			throw new MethodNotAllowedException(
					"System-level history (GET [base]/_history) is not supported by this server; "
							+ "use type-level history or search with _lastUpdated",
					RequestTypeEnum.POST);
		}
		boolean bundle = operation == RestOperationTypeEnum.TRANSACTION || operation == RestOperationTypeEnum.BATCH;
		if (bundle && props.maxTransactionEntries() > 0) {
			IBaseResource resource = request.getResource();
			if (resource instanceof Bundle sent && sent.getEntry().size() > props.maxTransactionEntries()) {
				throw new InvalidRequestException("Bundle contains " + sent.getEntry().size()
						+ " entries: more update operations than allowed; this server accepts at most "
						+ props.maxTransactionEntries() + " entries per transaction or batch");
			}
		}
	}

	/** The CapabilityStatement no longer offers what the server refuses. */
	@Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
	public void capabilities(IBaseConformance statement) {
		if (props.systemHistory() || !(statement instanceof CapabilityStatement capability)) {
			return;
		}
		for (CapabilityStatement.CapabilityStatementRestComponent rest : capability.getRest()) {
			rest.getInteraction().removeIf(i -> i.getCode() == SystemRestfulInteraction.HISTORYSYSTEM);
		}
	}
}
