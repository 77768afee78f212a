import { propagation, type TextMapPropagator } from '@opentelemetry/api';
import { describe, expectTypeOf, it } from 'vitest';
import type { HoptraceOptions } from '../src/index.js';
import {
  bridgeOpenTelemetry,
  HOPTRACE_CONTEXT_KEY,
  HoptracePropagator,
} from '../src/otel/index.js';

describe('@hoptrace/core/otel types', () => {
  it('HoptracePropagator is an OpenTelemetry TextMapPropagator', () => {
    expectTypeOf(new HoptracePropagator()).toMatchTypeOf<TextMapPropagator>();
    expectTypeOf(new HoptracePropagator()).toMatchTypeOf<TextMapPropagator<unknown>>();
    expectTypeOf(propagation.setGlobalPropagator).toBeCallableWith(new HoptracePropagator());
    expectTypeOf(HoptracePropagator).constructorParameters.toEqualTypeOf<
      [options?: HoptraceOptions]
    >();
    expectTypeOf(new HoptracePropagator().fields()).toEqualTypeOf<string[]>();
  });

  it('bridgeOpenTelemetry returns unbridge, and the key is a symbol', () => {
    expectTypeOf(bridgeOpenTelemetry).toEqualTypeOf<() => () => void>();
    expectTypeOf(HOPTRACE_CONTEXT_KEY).toEqualTypeOf<symbol>();
  });
});
