/** The field manager Capstan applies with: server-side apply records Capstan's fields under this name. */
export const FIELD_MANAGER = "capstan";
