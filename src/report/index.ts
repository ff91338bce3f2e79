export { capParts, MAX_COMMENT_PARTS } from "./cap-parts.js";
export { code, escapeHtml, fenced } from "./markdown-text.js";
export {
  defaultReportOptions,
  type EnvironmentReport,
  type ReportInput,
  type ReportOptions,
  renderReport,
} from "./report.js";
export { type SplitOptions, splitParts, truncateBlock } from "./split.js";
