/** One invalid field, as Kubernetes reports it in Status.details.causes. */
export interface ValidationCause {
  reason: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueTypeInvalid' | 'FieldValueUnknown' | 'FieldValueTooLong' | 'FieldValueForbidden' | 'FieldValueDuplicate' | string;
  field: string;
  message: string;
}
