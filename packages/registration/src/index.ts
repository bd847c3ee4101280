/** The name of this block, as it appears in audit events and CLI commands. */
export const blockName = 'registration' as const;
