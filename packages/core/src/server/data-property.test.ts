import { describe, expect, it } from 'vitest';
import { dataProperty, defineDataProperty } from './data-property.js';

describe('dataProperty', () => {
  it('describes what a plain assignment makes', () => {
    const assigned: Record<string, unknown> = {};
    assigned.key = 1;
    expect(dataProperty(1)).toEqual(Object.getOwnPropertyDescriptor(assigned, 'key'));
  });
});

describe('defineDataProperty', () => {
  it('makes an own data property over an inherited accessor, without calling its setter', () => {
    let setterCalls = 0;
    const prototype = {
      get id(): string {
        return 'inherited';
      },
      set id(_value: string) {
        setterCalls++;
      },
    };
    const target = Object.create(prototype) as { id: string };
    defineDataProperty(target, 'id', 'own');
    expect(target.id).toBe('own');
    expect(Object.keys(target)).toEqual(['id']);
    target.id = 'again';
    expect(target.id).toBe('again');
    expect(setterCalls).toBe(0);
  });

  it('takes symbol keys', () => {
    const key = Symbol('key');
    const target: Record<symbol, unknown> = {};
    defineDataProperty(target, key, 1);
    expect(target[key]).toBe(1);
  });
});
