import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;

/**
 * Writes what java.text.DecimalFormat makes of each pattern and value, with the root locale's symbols as
 * Elasticsearch's DocValueFormat.Decimal uses it: one line per pair, pattern, value and text separated by tabs.
 * Run with `java DecimalFormatGrid.java` (a single source file needs no compilation step).
 */
public class DecimalFormatGrid {
    public static void main(String[] args) {
        String[] patterns = {"#.0", "##0.0", "Value is ##0.0", "#,##0.00", "0.00", "#", "#.##", "#.#", "##.##", ".##", ".0#", "#,###",
            "0.0%", "#;(#)", "00.##", "0000", "#,##0", "#.", "0.###", "'x'#.#'y'", "#,##,###", "#\u2030", "0.0;-0.0", "''#''"};
        // Below 1e15 times the patterns' multipliers: the digits Java starts from for larger doubles changed with its
        // Double.toString (JDK 19), so Debian's OpenJDK 17 and Elasticsearch's bundled JDK can differ there.
        double[] values = {0, 0.5, 0.456, -0.01, 1, 2.5, 3.5, 0.125, 0.135, 1.005, 12.345, 1234567.891, -5, 750.5, 2.75, 0.0004,
            99.995, -1234.5, 0.1 + 0.2, 1e11 + 0.5, 123456789.012345, 5e-324, 0.045, 1.0 / 3};
        DecimalFormatSymbols symbols = new DecimalFormatSymbols(Locale.ROOT);
        for (String pattern : patterns) {
            for (double value : values) {
                System.out.println(pattern + "\t" + value + "\t" + new DecimalFormat(pattern, symbols).format(value));
            }
        }
    }
}
