package sandbox.hapi;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A production-like server ({@code sandbox.production.*}), off unless {@code enabled}: the rules
 * payer and EHR servers commonly have and the default sandbox does not. Each rule can be switched
 * on its own once the mode is on.
 *
 * <ul>
 *   <li>{@code client-ids-allowed=false}: clients may not choose ids (a PUT to a new id is refused,
 *       HAPI's {@code ClientIdStrategyEnum.NOT_ALLOWED}); POST gets a server-assigned id.
 *   <li>{@code max-transaction-entries=50}: a transaction or batch with more entries is refused
 *       with 400 and an OperationOutcome saying so (0: no cap).
 *   <li>{@code system-history=false}: {@code GET [base]/_history} is refused with 405;
 *       type and instance history still work.
 * </ul>
 */
@ConfigurationProperties(prefix = "sandbox.production")
public record ProductionProperties(
		@DefaultValue("false") boolean enabled,
		@DefaultValue("false") boolean clientIdsAllowed,
		@DefaultValue("50") int maxTransactionEntries,
		@DefaultValue("false") boolean systemHistory) {

	public boolean refusesClientIds() {
		return enabled && !clientIdsAllowed;
	}
}
