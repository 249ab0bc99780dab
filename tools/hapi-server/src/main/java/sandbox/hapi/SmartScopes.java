package sandbox.hapi;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What the SMART system scopes of a token allow: read (read/search) and write (create, update,
 * delete), on all types ({@code *}) or on named types. Understands v1 ({@code system/*.read},
 * {@code .write}, {@code .*}) and v2 ({@code system/*.cruds}, {@code system/Patient.rs}).
 * Other scopes (openid, profile, user/..., patient/...) grant nothing here.
 */
public final class SmartScopes {

	public final Set<String> readTypes = new HashSet<>();
	public final Set<String> writeTypes = new HashSet<>();

	public static SmartScopes parse(String scopeClaim) {
		SmartScopes granted = new SmartScopes();
		if (scopeClaim == null) {
			return granted;
		}
		for (String scope : scopeClaim.trim().split("\\s+")) {
			if (!scope.startsWith("system/") || scope.indexOf('.') < 0) {
				continue;
			}
			String body = scope.substring("system/".length());
			int dot = body.lastIndexOf('.');
			String type = body.substring(0, dot);
			String perms = body.substring(dot + 1).toLowerCase(Locale.ROOT);
			boolean read = perms.equals("read") || perms.equals("*") || v2(perms, "rs");
			boolean write = perms.equals("write") || perms.equals("*") || v2(perms, "cud");
			if (read) {
				granted.readTypes.add(type);
			}
			if (write) {
				granted.writeTypes.add(type);
			}
		}
		return granted;
	}

	/** A v2 permission string ("cruds" in order, any subset) containing any of {@code wanted}. */
	private static boolean v2(String perms, String wanted) {
		if (!perms.matches("c?r?u?d?s?") || perms.isEmpty()) {
			return false;
		}
		return perms.chars().anyMatch(c -> wanted.indexOf(c) >= 0);
	}

	public boolean readsAll() {
		return readTypes.contains("*");
	}

	public boolean writesAll() {
		return writeTypes.contains("*");
	}
}
