/** File output that never leaves a half-written file: temp file in the same folder, then rename. */
package org.sparkmec.engine.io;
