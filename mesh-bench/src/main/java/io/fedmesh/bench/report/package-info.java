/** What benchmarks write besides their text tables: charts, drawn with the JDK alone (java.awt, ImageIO). */
package io.fedmesh.bench.report;
