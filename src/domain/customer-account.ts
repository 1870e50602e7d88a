/** `CL` followed by the id, zero-padded to six digits; wider ids keep all their digits. */
export function customerAccountFor (id: number): string {
  return `CL${String(id).padStart(6, '0')}`
}
