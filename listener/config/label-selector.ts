import { z } from 'zod';

// Kubernetes label keys and values, as the API server validates them.
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export const labelKeySchema = z.string().max(317).regex(LABEL_KEY, 'must be a valid label key');
export const labelValueSchema = z.string().max(63).regex(LABEL_VALUE, 'must be a valid label value');

export const labelSelectorRequirementSchema = z
  .object({
    key: labelKeySchema,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(labelValueSchema).optional(),
  })
  .superRefine((requirement, ctx) => {
    const count = requirement.values?.length ?? 0;
    const needsValues = requirement.operator === 'In' || requirement.operator === 'NotIn';
    if (needsValues && count === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `must be non-empty for ${requirement.operator}`,
      });
    }
    if (!needsValues && count > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `must be empty for ${requirement.operator}`,
      });
    }
  });
export type LabelSelectorRequirement = z.infer<typeof labelSelectorRequirementSchema>;

/** metav1.LabelSelector: every given term must hold; an empty selector matches everything. */
export const labelSelectorSchema = z.object({
  matchLabels: z.record(labelKeySchema, labelValueSchema).optional(),
  matchExpressions: z.array(labelSelectorRequirementSchema).optional(),
});
export type LabelSelector = z.infer<typeof labelSelectorSchema>;
