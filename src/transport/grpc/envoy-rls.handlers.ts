import { ServerUnaryCall, UntypedServiceImplementation, sendUnaryData } from '@grpc/grpc-js';
import { DecideLimits, RawDecideRequest, parseDecideRequest } from '../../domain/decide-request';
import { Decision } from '../../domain/decision';
import { validationFailed } from '../../domain/errors';
import { Rule } from '../../domain/rule';
import { DecisionService } from '../../services/decision.service';
import { RuleIndexService } from '../../services/rule-index.service';
import {
  DescriptorMessage,
  RateLimitResponse,
  RlsOptions,
  descriptorToRequest,
  toRateLimitResponse,
} from './envoy-rls.mapper';
import { toServiceError } from './grpc-status';
import { isShed, shedError } from './load-shedding';

interface RateLimitRequestMessage {
  domain?: string;
  descriptors?: DescriptorMessage[];
  hits_addend?: number;
}

/**
 * envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit on the same rules, counters and
 * breakers as Decide: each descriptor is one decision, the whole request one DecideBatch (one
 * Redis round trip). The descriptor's `limit` override is not honoured: the Rule Center's rules
 * govern.
 */
export function envoyRlsHandlers(
  decisions: DecisionService,
  live: RuleIndexService,
  options: RlsOptions,
  limits: DecideLimits & { noRuleVerdict: 'ALLOW' | 'REJECT'; maxBatch: number },
): UntypedServiceImplementation {
  const answer = async (request: RateLimitRequestMessage): Promise<RateLimitResponse> => {
    const domain = request.domain ?? '';
    if (!domain) throw validationFailed(['domain must not be empty']);
    if (options.domain && domain !== options.domain)
      throw validationFailed([`domain must be "${options.domain}" (RLS_DOMAIN); got "${domain}"`]);
    const descriptors = request.descriptors ?? [];
    if (descriptors.length === 0)
      throw validationFailed(['descriptors must hold at least one descriptor']);
    // Every descriptor counts, matched or not: the cap comes before any per-descriptor work.
    if (descriptors.length > limits.maxBatch)
      throw validationFailed([
        `descriptors may hold at most ${limits.maxBatch} descriptors (MAX_BATCH); got ${descriptors.length}`,
      ]);
    const requests = descriptors.map((d) =>
      descriptorToRequest(d, request.hits_addend ?? 0, options),
    );
    // Validate with the descriptor's own index so errors name it (descriptors[3].grade …).
    const problems = requests.flatMap((r, i) => {
      if (!r) return [];
      const parsed = parseDecideRequest(
        r,
        { ...limits, minHits: 0 },
        Date.now(),
        `descriptors[${i}].`,
      );
      return Array.isArray(parsed) ? parsed : [];
    });
    if (problems.length) throw validationFailed(problems);
    const matched = requests.filter((r): r is RawDecideRequest => r !== undefined);
    const decided = matched.length
      ? await decisions.decideBatch(matched, { field: 'descriptors', minHits: 0 })
      : [];
    let next = 0;
    const perDescriptor: (Decision | undefined)[] = requests.map((r) =>
      r ? decided[next++] : undefined,
    );
    const index = live.index;
    const rules: (Rule | undefined)[] = perDescriptor.map((d) =>
      d?.rule ? index.rule(d.rule) : undefined,
    );
    return toRateLimitResponse(perDescriptor, rules, limits.noRuleVerdict, options);
  };
  return {
    ShouldRateLimit(
      call: ServerUnaryCall<RateLimitRequestMessage, RateLimitResponse>,
      callback: sendUnaryData<RateLimitResponse>,
    ) {
      if (isShed(call.request)) return callback(toServiceError(shedError('decisions')));
      answer(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(toServiceError(error)),
      );
    },
  };
}
