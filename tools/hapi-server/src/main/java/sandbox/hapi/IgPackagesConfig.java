package sandbox.hapi;

import ca.uhn.fhir.jpa.packages.IPackageInstallerSvc;
import ca.uhn.fhir.jpa.packages.PackageInstallOutcomeJson;
import ca.uhn.fhir.jpa.packages.PackageInstallationSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hl7.fhir.utilities.npm.NpmPackage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Implementation guide packages from local files ({@code sandbox.ig.packages}: comma-separated
 * paths of FHIR NPM package .tgz files, set by scripts/hapi.sh from HAPI_IG_PACKAGES).
 *
 * <p>Each is installed with HAPI's own package installer (STORE_AND_INSTALL: the package goes
 * into the JPA package cache that $validate's validation chain reads, and its StructureDefinitions,
 * ValueSets and CodeSystems become resources) while the application context starts, so the
 * server only answers /metadata once every package is in. Dependencies are not fetched: the
 * machines running this reach no package server, so every package needed is named explicitly.
 * A package that fails to install stops the server (a validation run against a half-loaded guide
 * would report wrong results).
 */
@Configuration
public class IgPackagesConfig {

	private static final Logger LOG = LoggerFactory.getLogger(IgPackagesConfig.class);

	@Bean
	public SmartInitializingSingleton igPackagesInstaller(
			IPackageInstallerSvc installer, @Value("${sandbox.ig.packages:}") List<String> paths) {
		return () -> {
			for (String path : paths) {
				if (!path.isBlank()) {
					install(installer, Path.of(path.trim()));
				}
			}
		};
	}

	private static void install(IPackageInstallerSvc installer, Path path) {
		byte[] contents;
		NpmPackage npm;
		try {
			contents = Files.readAllBytes(path);
			npm = NpmPackage.fromPackage(new ByteArrayInputStream(contents));
		} catch (IOException e) {
			throw new UncheckedIOException("cannot read the FHIR package " + path, e);
		}
		PackageInstallationSpec spec = new PackageInstallationSpec()
				.setName(npm.name())
				.setVersion(npm.version())
				.setPackageContents(contents)
				.setInstallMode(PackageInstallationSpec.InstallModeEnum.STORE_AND_INSTALL)
				.setFetchDependencies(false);
		spec.setInstallResourceTypes(List.of("CodeSystem", "ValueSet", "StructureDefinition"));
		PackageInstallOutcomeJson outcome = installer.install(spec);
		LOG.info(
				"installed FHIR package {}#{} from {}: {}",
				npm.name(),
				npm.version(),
				path,
				outcome.getResourcesInstalled());
	}
}
