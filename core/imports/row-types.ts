import Type from 'typebox';

// Building blocks of the upload row schemas. They document the JSON a 1С:ЗУП HTTP client produces: null and absent
// mean the same, numbers may come as numbers or as decimal text.

export const Id = (description: string) => Type.String({ minLength: 1, maxLength: 100, description });

/** A reference that may be empty: null, absent, "" and spaces all mean none. */
export const OptionalId = (description: string) =>
  Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()], { description: `${description}; empty means none` }));

export const OptionalText = (description: string, maxLength = 500) =>
  Type.Optional(Type.Union([Type.String({ maxLength }), Type.Null()], { description }));

export const Money = (description: string) =>
  Type.Union([Type.Number(), Type.String({ maxLength: 24 })], { description: `${description}. Rubles with kopecks, e.g. 85000.5 or "85000.50"` });

export const OptionalMoney = (description: string) => Type.Optional(Type.Union([Money(description), Type.Null()]));

export const Quantity = (description: string) =>
  Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 12 }), Type.Null()], { description }));

export const DateText = (description: string) =>
  Type.String({ maxLength: 32, description: `${description}. "YYYY-MM-DD" or 1С's "YYYY-MM-DDT00:00:00"` });

export const OptionalDate = (description: string) => Type.Optional(Type.Union([DateText(description), Type.Null()]));
