package org.sparkmec.jobs;

import java.util.ListResourceBundle;

/**
 * The default of every {@code spark.mec.*} key as picocli sees it: the commands name this class as their
 * resource bundle, so an option's description says {@code ${bundle:spark.mec.train.epochs}} and the help
 * prints the typed entry's own default (as the configuration table does) instead of a copy of it.
 */
public final class ConfigDefaults extends ListResourceBundle {
    @Override
    protected Object[][] getContents() {
        return ConfigTable.entries().stream().map(e -> new Object[] {e.key(), e.defaultValue()}).toArray(Object[][]::new);
    }
}
