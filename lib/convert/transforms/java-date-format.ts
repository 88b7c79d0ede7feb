/**
 * Java `SimpleDateFormat` patterns for the transforms' steps. The compiler lives with the config
 * parser (config/java-date-format.ts), which checks every `format` option at cold start and cannot
 * import from this stage.
 */
export {
  compileJavaDateFormat,
  type JavaDateFormat,
  JavaDateFormatError,
  javaDateFormatProblem,
} from '../../config/java-date-format.ts';
