/** Names a hookset may use without a module path. Kept free of imports: profiles check it. */
export const BUILTIN_HOOKS = ['log', 'store', 'langfuse', 'guard', 'redact'];
