import { ValidateBy, buildMessage, type ValidationOptions } from 'class-validator';

/** Like @Length, but measured after trimming, so "   " is empty and padding cannot dodge a limit. */
export function TrimmedLength(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'trimmedLength',
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => typeof value === 'string' && value.trim().length >= min && value.trim().length <= max,
        defaultMessage: buildMessage(
          () => (min > 0 ? `must be ${min} to ${max} characters long (after trimming spaces)` : `must be at most ${max} characters long`),
          options,
        ),
      },
    },
    options,
  );
}
