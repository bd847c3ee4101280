/** The name of this block, as it appears in audit events and CLI commands. */
export const blockName = 'consent' as const;
