/**
 * The DIY catalogue the sample generator expands into products: 10 categories × 5 types ×
 * 3 items × 3 variants = 450 products. Descriptions are built from the item's use, the type's
 * features and the category's context, so each one carries its own trade vocabulary and a
 * semantic search for e.g. a leaking pipe finds plumbing before paint.
 */
export interface TypeSpec {
  name: string;
  /** Variant words placed before the item name (size, grade, material). */
  variants: [string, string, string];
  features: string[];
  /** [item name, base cost in dollars, what it is for]. */
  items: Array<[string, number, string]>;
}

export interface CategorySpec {
  name: string;
  code: string;
  context: string[];
  types: TypeSpec[];
}

export const CATALOGUE: readonly CategorySpec[] = [
  {
    name: 'PLUMBING',
    code: 'PLB',
    context: [
      'A dependable choice for household plumbing repairs, from kitchen sinks to bathroom supply lines.',
      'Plumbers and homeowners use it to stop leaks and keep water flowing where it should.',
      'Built for residential water supply and drain systems and compatible with standard plumbing fittings.',
    ],
    types: [
      {
        name: 'Pipes & Fittings',
        variants: ['1/2 in.', '3/4 in.', '1 in.'],
        features: [
          'Rated for hot and cold potable water lines.',
          'Smooth bore keeps water pressure steady through the run.',
          'Joins copper, PEX or PVC pipe without special skills.',
          'Corrosion-resistant walls for long service behind walls and under floors.',
        ],
        items: [
          ['PEX Water Supply Pipe Coil', 18, 'for running new hot and cold water supply lines'],
          [
            'Copper Push-Fit Elbow Coupling',
            6,
            'for joining copper and PEX pipe around corners without soldering',
          ],
          ['PVC Schedule 40 Drain Pipe', 9, 'for sink, shower and tub drain and waste lines'],
        ],
      },
      {
        name: 'Faucets',
        variants: ['Chrome', 'Brushed Nickel', 'Matte Black'],
        features: [
          'Ceramic disc cartridge for a drip-free seal.',
          'Includes supply hoses and mounting hardware for a one-afternoon install.',
          'WaterSense flow rate saves water without losing pressure.',
          'Fits standard three-hole and single-hole sink decks.',
        ],
        items: [
          [
            'Pull-Down Kitchen Faucet',
            95,
            'for kitchen sinks with a spray head that reaches every corner of the basin',
          ],
          ['Single-Handle Bathroom Faucet', 55, 'for bathroom vanity sinks and lavatories'],
          [
            'Outdoor Frost-Free Hose Bib',
            28,
            'for exterior walls where a spigot must survive freezing winters',
          ],
        ],
      },
      {
        name: 'Valves',
        variants: ['Brass', 'Lead-Free Bronze', 'Stainless'],
        features: [
          'Quarter-turn handle shuts off water in an instant.',
          'Full-port design for unrestricted water flow.',
          'Threaded and sweat connections for copper pipe.',
          'Pressure tested at the factory for leak-free shutoff.',
        ],
        items: [
          ['Ball Shut-Off Valve', 14, 'for isolating a water line before plumbing repairs'],
          ['Angle Stop Supply Valve', 9, 'for the water supply under toilets and sinks'],
          [
            'Pressure Reducing Valve',
            65,
            'for protecting household pipes from high municipal water pressure',
          ],
        ],
      },
      {
        name: 'Drain Cleaning',
        variants: ['15 ft.', '25 ft.', '50 ft.'],
        features: [
          'Clears hair, grease and roots from clogged drains without harsh chemicals.',
          'Flexible steel cable navigates P-traps and tight bends.',
          'Rust-resistant drum keeps the cable clean between jobs.',
          'Works on sinks, tubs, showers and floor drains.',
        ],
        items: [
          ['Drain Snake Auger', 24, 'for clearing clogged sink and tub drains'],
          ['Toilet Closet Auger', 29, 'for clearing toilet clogs without scratching the porcelain bowl'],
          ['Drum Drain Cleaning Machine', 180, 'for main sewer lines and stubborn drain blockages'],
        ],
      },
      {
        name: 'Toilet Repair',
        variants: ['Universal', 'Heavy-Duty', 'Water-Saving'],
        features: [
          'Stops a running toilet and the water bill that comes with it.',
          'Installs without tools in most two-piece toilets.',
          'Adjustable height fits tanks from 8 to 14 inches.',
          'Anti-siphon design meets plumbing codes.',
        ],
        items: [
          ['Toilet Fill Valve', 12, 'for refilling the toilet tank quietly after every flush'],
          ['Flapper and Flush Valve Kit', 16, 'for fixing a leaking toilet tank that runs constantly'],
          [
            'Wax Ring and Toilet Bolt Set',
            7,
            'for sealing a toilet to the floor flange and stopping base leaks',
          ],
        ],
      },
    ],
  },
  {
    name: 'ELECTRICAL',
    code: 'ELE',
    context: [
      'Meets electrical code requirements for residential wiring projects.',
      'Electricians rely on it for safe, reliable connections in homes and workshops.',
      'Always switch off the circuit breaker before working on electrical wiring.',
    ],
    types: [
      {
        name: 'Wire & Cable',
        variants: ['14-Gauge', '12-Gauge', '10-Gauge'],
        features: [
          'Copper conductors sized for 15, 20 and 30 amp circuits.',
          'Color-coded insulation makes circuits easy to identify.',
          'UL listed for dry indoor locations.',
          'Sold in coils that feed smoothly through studs and conduit.',
        ],
        items: [
          ['NM-B Romex Electrical Wire', 45, 'for branch circuits to outlets, switches and lights'],
          ['THHN Stranded Building Wire', 38, 'for pulling through conduit in garages and basements'],
          [
            'Outdoor UF-B Direct Burial Cable',
            60,
            'for running power underground to sheds and landscape lights',
          ],
        ],
      },
      {
        name: 'Outlets & Switches',
        variants: ['15 Amp', '20 Amp', 'Tamper-Resistant'],
        features: [
          'Back and side wiring terminals for quick installation.',
          'Fits standard wall plates and single-gang electrical boxes.',
          'Tamper-resistant shutters protect children from live contacts.',
          'Rated for continuous load on household circuits.',
        ],
        items: [
          [
            'GFCI Receptacle Outlet',
            19,
            'for kitchens, bathrooms and outdoor outlets where ground-fault protection is required',
          ],
          ['Decorator Rocker Light Switch', 5, 'for controlling ceiling lights and switched outlets'],
          ['USB-C Charging Wall Outlet', 26, 'for charging phones and tablets without an adapter'],
        ],
      },
      {
        name: 'Circuit Protection',
        variants: ['Single-Pole', 'Double-Pole', 'Dual-Function'],
        features: [
          'Trips instantly on overloads and short circuits.',
          'Plug-on design snaps into compatible load centers.',
          'Arc-fault sensing helps prevent electrical fires.',
          'Clear trip indicator shows which circuit needs attention.',
        ],
        items: [
          ['Circuit Breaker', 12, 'for protecting household branch circuits in the electrical panel'],
          ['AFCI Breaker', 45, 'for bedroom and living area circuits that need arc-fault protection'],
          ['Whole-House Surge Protector', 85, 'for shielding appliances and electronics from voltage spikes'],
        ],
      },
      {
        name: 'Boxes & Conduit',
        variants: ['Single-Gang', 'Double-Gang', 'Weatherproof'],
        features: [
          'Knockouts and cable clamps for neat wire entry.',
          'Non-metallic construction will not conduct electricity.',
          'Mounting nails or ears for new work and old work installs.',
          'Meets code for enclosing splices and device connections.',
        ],
        items: [
          ['Electrical Outlet Box', 3, 'for mounting switches and receptacles in walls'],
          ['PVC Electrical Conduit', 8, 'for protecting wiring on exposed garage and basement walls'],
          ['Junction Box with Cover', 6, 'for enclosing wire splices safely'],
        ],
      },
      {
        name: 'Electrical Testers',
        variants: ['Basic', 'Professional', 'Auto-Ranging'],
        features: [
          'Detects live voltage before you touch a wire.',
          'Measures AC and DC volts, continuity and resistance.',
          'Backlit display for dim electrical panels and crawl spaces.',
          'CAT III safety rating for household electrical work.',
        ],
        items: [
          ['Non-Contact Voltage Tester', 18, 'for checking whether wires and outlets are live'],
          ['Digital Multimeter', 40, 'for troubleshooting circuits, batteries and electrical components'],
          [
            'Outlet Receptacle Tester',
            11,
            'for finding miswired outlets, open grounds and reversed polarity',
          ],
        ],
      },
    ],
  },
  {
    name: 'POWER TOOLS',
    code: 'PWT',
    context: [
      'Part of a cordless power tool system that shares batteries across drills, saws and sanders.',
      'Built for contractors and weekend builders who need power and runtime.',
      'Motor, gearbox and grip are engineered for long days on the job site.',
    ],
    types: [
      {
        name: 'Drills & Drivers',
        variants: ['12V', '18V', '20V Brushless'],
        features: [
          'Two-speed gearbox for drilling holes and driving screws.',
          'LED work light illuminates the bit in dark corners.',
          'Keyless chuck for fast bit changes.',
          'Electronic clutch prevents stripping screws.',
        ],
        items: [
          ['Cordless Drill Driver', 90, 'for drilling wood, metal and plastic and driving screws'],
          ['Impact Driver', 110, 'for driving long lag screws and fasteners with high torque'],
          ['Hammer Drill', 140, 'for drilling into concrete, brick and masonry'],
        ],
      },
      {
        name: 'Saws',
        variants: ['Corded', 'Cordless', 'Compact'],
        features: [
          'Carbide-tipped blade cuts cleanly through lumber and plywood.',
          'Bevel adjustment for angled cuts.',
          'Electric brake stops the blade in seconds.',
          'Dust port connects to a shop vacuum.',
        ],
        items: [
          ['Circular Saw', 100, 'for ripping plywood and cross-cutting framing lumber'],
          ['Reciprocating Saw', 95, 'for demolition and cutting through nails, pipe and studs'],
          ['Jigsaw', 70, 'for cutting curves and shapes in wood, laminate and sheet metal'],
        ],
      },
      {
        name: 'Sanders & Grinders',
        variants: ['Variable-Speed', 'Low-Vibration', 'Heavy-Duty'],
        features: [
          'Hook-and-loop pad for quick sandpaper changes.',
          'Dust collection keeps the work surface visible.',
          'Spindle lock for fast wheel and disc changes.',
          'Ergonomic grip reduces fatigue during long sanding sessions.',
        ],
        items: [
          ['Random Orbit Sander', 65, 'for smoothing wood before painting or staining'],
          ['Angle Grinder', 75, 'for grinding welds, cutting tile and removing rust from metal'],
          ['Detail Sander', 45, 'for sanding corners, edges and tight spots on furniture'],
        ],
      },
      {
        name: 'Batteries & Chargers',
        variants: ['2.0Ah', '4.0Ah', '6.0Ah'],
        features: [
          'Fuel gauge shows remaining charge at a glance.',
          'Fits every tool in the cordless platform.',
          'Cell protection prevents overheating and deep discharge.',
          'Rapid charger tops up batteries during a lunch break.',
        ],
        items: [
          ['Lithium-Ion Tool Battery', 70, 'for powering cordless drills, saws and outdoor tools'],
          ['Battery and Rapid Charger Kit', 120, 'for keeping cordless power tools running all day'],
          ['Dual-Port Battery Charger', 60, 'for charging two tool batteries at once'],
        ],
      },
      {
        name: 'Rotary & Multi-Tools',
        variants: ['Starter', 'Pro', 'Cordless'],
        features: [
          'Quick-change accessory system without a wrench.',
          'Variable speed dial matches speed to material.',
          'Includes cutting, sanding and polishing accessories.',
          'Compact body fits one hand for detailed work.',
        ],
        items: [
          ['Oscillating Multi-Tool', 80, 'for flush-cutting door jambs, scraping and plunge cuts in drywall'],
          ['Rotary Tool Kit', 55, 'for engraving, cutting and polishing small workpieces'],
          ['Heat Gun', 40, 'for stripping paint, shrinking tubing and bending plastic'],
        ],
      },
    ],
  },
  {
    name: 'HAND TOOLS',
    code: 'HND',
    context: [
      'A hand tool built to last a lifetime in the toolbox.',
      'Forged steel and comfortable grips for everyday repairs and woodworking.',
      'Backed by a lifetime warranty against breakage.',
    ],
    types: [
      {
        name: 'Hammers',
        variants: ['16 oz.', '20 oz.', 'Fiberglass'],
        features: [
          'Anti-vibration handle reduces arm fatigue.',
          'Magnetic nail starter for one-handed nailing.',
          'Milled face grips nail heads to prevent glancing blows.',
          'Balanced head for accurate, powerful strikes.',
        ],
        items: [
          ['Claw Hammer', 22, 'for driving and pulling nails in framing and trim'],
          ['Rubber Mallet', 14, 'for tapping together furniture, tile and flooring without marring'],
          ['Drywall Hammer', 28, 'for hanging drywall and scoring gypsum board'],
        ],
      },
      {
        name: 'Screwdrivers & Wrenches',
        variants: ['6-Piece', '10-Piece', 'SAE/Metric'],
        features: [
          'Hardened tips resist cam-out and rounding.',
          'Chrome vanadium steel for strength and corrosion resistance.',
          'Cushioned handles give extra torque.',
          'Storage case keeps every size organized.',
        ],
        items: [
          ['Screwdriver Set', 20, 'for Phillips and slotted screws around the house'],
          ['Combination Wrench Set', 35, 'for tightening nuts and bolts on machinery and bikes'],
          ['Adjustable Wrench', 16, 'for gripping nuts, bolts and fittings of any size'],
        ],
      },
      {
        name: 'Pliers & Cutters',
        variants: ['6 in.', '8 in.', 'Locking'],
        features: [
          'Induction-hardened cutting edges stay sharp.',
          'Cushion grips for a secure, comfortable hold.',
          'Serrated jaws grip round and flat stock.',
          'Spring-loaded handles open automatically.',
        ],
        items: [
          ['Needle-Nose Pliers', 12, 'for bending wire and reaching into tight spaces'],
          ['Diagonal Wire Cutters', 14, 'for cutting copper and aluminum wire cleanly'],
          ['Tongue-and-Groove Pliers', 18, 'for gripping pipes and large nuts'],
        ],
      },
      {
        name: 'Measuring & Layout',
        variants: ['16 ft.', '25 ft.', 'Magnetic'],
        features: [
          'Easy-read markings in inches and centimeters.',
          'Impact-resistant case survives drops from a ladder.',
          'Accurate to within 1/32 inch.',
          'Belt clip keeps it close at hand.',
        ],
        items: [
          ['Tape Measure', 15, 'for measuring rooms, boards and openings'],
          ['Torpedo Level', 12, 'for checking plumb and level on shelves, pipes and frames'],
          ['Speed Square', 9, 'for marking square and angled cuts on lumber'],
        ],
      },
      {
        name: 'Cutting & Carving',
        variants: ['Standard', 'Fine-Tooth', 'Heavy-Duty'],
        features: [
          'Replaceable blades stay sharp through many cuts.',
          'Hardened teeth cut on both push and pull strokes.',
          'Comfortable grip for control on detailed work.',
          'Blade guard protects the edge in the toolbox.',
        ],
        items: [
          ['Utility Knife', 10, 'for scoring drywall, opening boxes and cutting carpet'],
          ['Hand Saw', 24, 'for cutting boards and branches without power'],
          ['Wood Chisel Set', 30, 'for cutting mortises and paring joints in woodworking'],
        ],
      },
    ],
  },
  {
    name: 'PAINT',
    code: 'PNT',
    context: [
      'Gives walls, trim and furniture a smooth, even finish with fewer coats.',
      'Low-odor and easy cleanup for interior painting projects.',
      'Choose the right sheen and primer for lasting paint color.',
    ],
    types: [
      {
        name: 'Interior Paint',
        variants: ['Flat', 'Eggshell', 'Semi-Gloss'],
        features: [
          'Paint and primer in one covers in two coats.',
          'Scrubbable finish resists stains and scuffs.',
          'Zero-VOC formula for bedrooms and nurseries.',
          'Tintable to thousands of colors at the paint counter.',
        ],
        items: [
          ['Interior Wall Paint, 1 Gallon', 32, 'for living rooms, bedrooms and hallways'],
          ['Ceiling Paint, 1 Gallon', 28, 'for bright white ceilings with minimal spatter'],
          ['Kitchen and Bath Paint, 1 Quart', 18, 'for humid rooms where mildew resistance matters'],
        ],
      },
      {
        name: 'Exterior Paint & Stain',
        variants: ['Satin', 'Solid Color', 'Semi-Transparent'],
        features: [
          'UV-resistant pigments keep color from fading.',
          'Weatherproof film sheds rain and resists peeling.',
          'Mildew-resistant coating for damp climates.',
          'Self-priming on previously painted surfaces.',
        ],
        items: [
          ['Exterior House Paint, 1 Gallon', 42, 'for siding, trim and doors exposed to the weather'],
          ['Deck and Fence Stain, 1 Gallon', 38, 'for protecting wood decks and fences from water and sun'],
          ['Masonry and Stucco Paint, 1 Gallon', 40, 'for concrete block, brick and stucco walls'],
        ],
      },
      {
        name: 'Primers & Sealers',
        variants: ['Water-Based', 'Oil-Based', 'Shellac'],
        features: [
          'Blocks stains from water, smoke and tannin bleed.',
          'Seals porous surfaces for uniform paint absorption.',
          'Bonds to glossy surfaces without sanding.',
          'Dries to the touch in under an hour.',
        ],
        items: [
          ['Stain-Blocking Primer', 24, 'for covering water stains and dark colors before painting'],
          ['Drywall Primer Sealer', 18, 'for new drywall and joint compound before the first coat of paint'],
          ['Bonding Primer', 27, 'for tile, laminate and glossy cabinets'],
        ],
      },
      {
        name: 'Brushes & Rollers',
        variants: ['2 in.', '3 in.', '9 in.'],
        features: [
          'Synthetic filaments hold more paint for fewer dips.',
          'Shed-resistant covers leave no lint in the finish.',
          'Angled sash cuts crisp lines along trim.',
          'Threaded handle accepts an extension pole.',
        ],
        items: [
          ['Angled Sash Paint Brush', 11, 'for cutting in along ceilings, windows and trim'],
          ['Paint Roller Cover', 6, 'for rolling paint on walls and ceilings quickly'],
          ['Paint Roller Frame and Tray Kit', 15, 'for painting a whole room with one kit'],
        ],
      },
      {
        name: 'Painting Supplies',
        variants: ['Small', 'Medium', 'Contractor'],
        features: [
          'Clean-release adhesive removes without lifting paint.',
          'Protects floors and furniture from drips and splatter.',
          'Flexible blade spreads filler smoothly.',
          'Reusable between painting projects.',
        ],
        items: [
          ["Painter's Tape", 7, 'for masking trim and windows for sharp paint lines'],
          ['Canvas Drop Cloth', 18, 'for covering floors and furniture while painting'],
          ['Spackling and Putty Knife Set', 12, 'for patching nail holes and cracks before painting'],
        ],
      },
    ],
  },
  {
    name: 'GARDEN',
    code: 'GRD',
    context: [
      'Helps keep lawns, flower beds and vegetable gardens healthy through the growing season.',
      'Made for outdoor yard work in sun, rain and mud.',
      'A gardener favorite for planting, watering and pruning.',
    ],
    types: [
      {
        name: 'Garden Hand Tools',
        variants: ['Ergonomic', 'Stainless Steel', 'Carbon Steel'],
        features: [
          'Sharp bypass blades make clean cuts that heal fast.',
          'Rust-resistant head digs through clay and rocky soil.',
          'Cushioned grip for hours of weeding and planting.',
          'Hang hole for storage in the garden shed.',
        ],
        items: [
          ['Bypass Pruning Shears', 22, 'for trimming roses, shrubs and fruit trees'],
          ['Garden Trowel', 10, 'for planting bulbs, seedlings and annuals'],
          ['Hand Weeder', 9, 'for pulling dandelions and deep-rooted weeds'],
        ],
      },
      {
        name: 'Watering',
        variants: ['50 ft.', '75 ft.', '100 ft.'],
        features: [
          'Kink-resistant hose delivers full water flow.',
          'Brass couplings resist leaks and crushing.',
          'Adjustable spray patterns from mist to jet.',
          'Saves water by delivering it to plant roots.',
        ],
        items: [
          ['Garden Hose', 35, 'for watering lawns, gardens and washing the car'],
          ['Soaker Hose', 20, 'for slow drip irrigation of vegetable beds'],
          ['Oscillating Lawn Sprinkler', 25, 'for watering large rectangular lawns evenly'],
        ],
      },
      {
        name: 'Lawn Care',
        variants: ['Cordless', 'Gas-Powered', 'Electric'],
        features: [
          'Adjustable cutting height for a manicured lawn.',
          'Folds flat for storage in the garage.',
          'Quiet, low-emission operation.',
          'Quick-start with no pull cord hassle.',
        ],
        items: [
          ['Lawn Mower', 260, 'for cutting grass on small and medium lawns'],
          ['String Trimmer', 110, 'for edging lawns along walkways and fences'],
          ['Leaf Blower', 120, 'for clearing leaves and grass clippings from patios and driveways'],
        ],
      },
      {
        name: 'Soil & Planting',
        variants: ['1 cu. ft.', '2 cu. ft.', 'Organic'],
        features: [
          'Feeds plants for up to three months.',
          'Improves drainage in heavy clay soil.',
          'Enriched with compost for strong root growth.',
          'Ready to use straight from the bag.',
        ],
        items: [
          ['Potting Soil Mix', 9, 'for container plants, herbs and houseplants'],
          ['Garden Compost', 8, 'for enriching vegetable garden beds'],
          ['Bark Mulch', 6, 'for keeping moisture in flower beds and suppressing weeds'],
        ],
      },
      {
        name: 'Digging Tools',
        variants: ['Long-Handle', 'D-Handle', 'Fiberglass-Handle'],
        features: [
          'Tempered steel blade cuts through roots and sod.',
          'Wide foot step gives extra digging force.',
          'Weatherproof handle will not rot or splinter.',
          'Balanced for lifting heavy loads of soil.',
        ],
        items: [
          ['Round Point Shovel', 30, 'for digging holes for trees, posts and shrubs'],
          ['Bow Rake', 26, 'for leveling soil and spreading gravel and mulch'],
          ['Garden Spade', 34, 'for edging beds and turning garden soil'],
        ],
      },
    ],
  },
  {
    name: 'LUMBER',
    code: 'LMB',
    context: [
      'Kiln-dried and graded for straight, stable framing and building projects.',
      'Cut to standard dimensions for carpentry and construction.',
      'Sourced from sustainably managed forests.',
    ],
    types: [
      {
        name: 'Dimensional Lumber',
        variants: ['8 ft.', '10 ft.', '12 ft.'],
        features: [
          'Straight grain with few knots.',
          'Stamped with grade and species for inspections.',
          'Easy to cut, nail and screw.',
          'Ideal for wall studs, joists and rafters.',
        ],
        items: [
          ['2 x 4 Framing Stud', 5, 'for framing walls and building workbenches'],
          ['2 x 6 Douglas Fir Board', 9, 'for floor joists, headers and deck framing'],
          ['2 x 10 Construction Lumber', 16, 'for stair stringers and heavy structural spans'],
        ],
      },
      {
        name: 'Plywood & Sheet Goods',
        variants: ['1/4 in.', '1/2 in.', '3/4 in.'],
        features: [
          'Cross-laminated veneers resist warping and splitting.',
          'Sanded face ready for paint or stain.',
          'Full 4 x 8 sheet for subfloors and cabinets.',
          'Exterior glue for sheathing that sees weather.',
        ],
        items: [
          ['Sanded Plywood Sheet', 40, 'for cabinets, shelves and furniture projects'],
          ['OSB Sheathing Panel', 22, 'for roof decking and wall sheathing'],
          ['MDF Panel', 30, 'for smooth painted cabinet doors and trim'],
        ],
      },
      {
        name: 'Pressure-Treated Wood',
        variants: ['4 ft.', '8 ft.', '12 ft.'],
        features: [
          'Treated against rot, decay and termites.',
          'Rated for ground contact and outdoor exposure.',
          'Holds fasteners firmly in wet weather.',
          'A long-lasting choice for decks and fences.',
        ],
        items: [
          ['Pressure-Treated Deck Board', 12, 'for building decks, docks and boardwalks'],
          ['Pressure-Treated 4 x 4 Post', 14, 'for fence posts, deck posts and mailbox posts'],
          ['Cedar Fence Picket', 4, 'for building and repairing wood fences'],
        ],
      },
      {
        name: 'Boards & Trim',
        variants: ['Pine', 'Oak', 'Poplar'],
        features: [
          'Smooth-planed on all four sides.',
          'Clear grade with no knots for fine woodworking.',
          'Takes stain and paint evenly.',
          'Milled profile hides gaps at floors and ceilings.',
        ],
        items: [
          ['1 x 6 Common Board', 10, 'for shelving, crafts and furniture building'],
          ['Baseboard Molding', 14, 'for finishing the joint between walls and floors'],
          ['Crown Molding', 18, 'for decorative trim where walls meet ceilings'],
        ],
      },
      {
        name: 'Dowels & Specialty Wood',
        variants: ['Hardwood', 'Birch', 'Maple'],
        features: [
          'Precisely milled diameter for tight-fitting joinery.',
          'Sanded smooth and ready to finish.',
          'Great for craft, repair and woodworking projects.',
          'Cut to length with a hand saw.',
        ],
        items: [
          ['Round Wood Dowel', 3, 'for closet rods, pegs and furniture joints'],
          ['Wood Shim Pack', 5, 'for leveling doors, windows and cabinets during installation'],
          ['Butcher Block Countertop', 180, 'for kitchen islands and workbench tops'],
        ],
      },
    ],
  },
  {
    name: 'HARDWARE',
    code: 'HDW',
    context: [
      'The small hardware that holds home improvement projects together.',
      'Zinc-plated and stainless options resist rust indoors and out.',
      'Packaged in quantities sized for DIY repairs and installs.',
    ],
    types: [
      {
        name: 'Fasteners',
        variants: ['1 lb. Box', '5 lb. Box', 'Stainless'],
        features: [
          'Sharp points start quickly without pre-drilling.',
          'Coated for corrosion resistance in treated lumber.',
          'Star drive heads resist stripping.',
          'Holds firmly in wood, drywall and masonry.',
        ],
        items: [
          ['Deck Screws', 14, 'for fastening deck boards to joists'],
          ['Common Nails', 8, 'for general framing and carpentry'],
          ['Drywall Anchors', 7, 'for hanging shelves and mirrors on hollow walls'],
        ],
      },
      {
        name: 'Door Hardware',
        variants: ['Satin Nickel', 'Oil-Rubbed Bronze', 'Polished Brass'],
        features: [
          'Fits standard pre-drilled doors.',
          'Reversible for left- or right-hand doors.',
          'Grade 2 security rating for home entries.',
          'Installs with a screwdriver in minutes.',
        ],
        items: [
          ['Entry Door Knob Lockset', 30, 'for front and back doors that need a keyed lock'],
          ['Deadbolt Lock', 28, 'for adding security to exterior doors'],
          ['Door Hinge 3-Pack', 9, 'for hanging or replacing interior door hinges'],
        ],
      },
      {
        name: 'Chains, Rope & Tie-Downs',
        variants: ['1/4 in.', '3/8 in.', 'Heavy-Duty'],
        features: [
          'Rated working load printed on the package.',
          'Weather-resistant for outdoor and marine use.',
          'Cut to length at the store.',
          'Secures cargo on trailers and truck beds.',
        ],
        items: [
          ['Ratchet Tie-Down Strap', 16, 'for securing loads on trucks and trailers'],
          ['Braided Nylon Rope', 12, 'for towing, tying and general utility'],
          ['Zinc-Plated Chain', 20, 'for securing gates, swings and equipment'],
        ],
      },
      {
        name: 'Brackets & Braces',
        variants: ['Galvanized', 'Black', 'Zinc'],
        features: [
          'Pre-punched holes for screws and nails.',
          'Heavy gauge steel carries more weight.',
          'Meets building code for structural connections.',
          'Hidden mount keeps shelves clean looking.',
        ],
        items: [
          ['Shelf Bracket', 6, 'for mounting wall shelves in garages and closets'],
          ['Joist Hanger', 3, 'for connecting deck and floor joists to beams'],
          ['Corner Brace', 4, 'for reinforcing furniture and frame corners'],
        ],
      },
      {
        name: 'Adhesives & Sealants',
        variants: ['Clear', 'White', 'Paintable'],
        features: [
          'Waterproof once cured.',
          'Flexible bead moves with the joint without cracking.',
          'Bonds wood, metal, tile and concrete.',
          'Mold and mildew resistant for kitchens and baths.',
        ],
        items: [
          ['Silicone Caulk', 8, 'for sealing tubs, sinks and windows against water'],
          ['Construction Adhesive', 6, 'for gluing subfloors, paneling and molding'],
          ['Wood Glue', 7, 'for strong woodworking and furniture repair joints'],
        ],
      },
    ],
  },
  {
    name: 'LIGHTING',
    code: 'LGT',
    context: [
      'Brightens rooms with energy-efficient LED light that lasts for years.',
      'Lighting that cuts electricity use compared with incandescent bulbs.',
      'Dimmable and available in warm and daylight color temperatures.',
    ],
    types: [
      {
        name: 'Light Bulbs',
        variants: ['Soft White', 'Daylight', 'Smart Color'],
        features: [
          'Rated for 15,000 hours of light.',
          'Works with most dimmer switches.',
          'Instant-on brightness with no warm-up.',
          'Uses a fraction of the energy of incandescent bulbs.',
        ],
        items: [
          ['A19 LED Light Bulb 4-Pack', 12, 'for lamps and ceiling fixtures throughout the home'],
          ['BR30 LED Flood Light Bulb', 8, 'for recessed can lights in kitchens and living rooms'],
          ['Candelabra LED Bulb', 7, 'for chandeliers and decorative fixtures'],
        ],
      },
      {
        name: 'Ceiling Lights',
        variants: ['Brushed Nickel', 'Bronze', 'White'],
        features: [
          'Integrated LED never needs a bulb change.',
          'Installs on a standard ceiling electrical box.',
          'Frosted diffuser spreads light evenly.',
          'Low-profile design for rooms with low ceilings.',
        ],
        items: [
          ['Flush Mount Ceiling Light', 40, 'for hallways, bedrooms and closets'],
          ['Ceiling Fan with Light Kit', 140, 'for cooling living rooms and bedrooms while lighting them'],
          ['Kitchen Island Pendant Light', 70, 'for task lighting over kitchen islands and dining tables'],
        ],
      },
      {
        name: 'Outdoor Lighting',
        variants: ['Solar', 'Motion-Sensing', 'Low-Voltage'],
        features: [
          'Weatherproof housing for rain and snow.',
          'Dusk-to-dawn sensor turns on automatically.',
          'Deters intruders by lighting driveways and doors.',
          'No wiring needed for quick installation.',
        ],
        items: [
          ['LED Security Flood Light', 45, 'for lighting driveways, yards and garage doors'],
          ['Pathway Landscape Light Set', 50, 'for lighting garden paths and walkways'],
          ['Outdoor Wall Lantern', 55, 'for porches, patios and entry doors'],
        ],
      },
      {
        name: 'Task & Under-Cabinet Lighting',
        variants: ['12 in.', '18 in.', '24 in.'],
        features: [
          'Slim profile hides beneath cabinets.',
          'Linkable fixtures cover long counters.',
          'Plug-in or hardwired installation.',
          'Glare-free light for reading and detailed work.',
        ],
        items: [
          ['LED Under-Cabinet Light Bar', 25, 'for lighting kitchen countertops'],
          ['Clamp Desk Lamp', 30, 'for workbenches, desks and craft tables'],
          ['LED Shop Light', 35, 'for garages, basements and workshops'],
        ],
      },
      {
        name: 'Flashlights & Work Lights',
        variants: ['Compact', 'Rechargeable', 'High-Output'],
        features: [
          'Impact-resistant aluminum body.',
          'Multiple brightness modes including strobe.',
          'Magnetic base for hands-free lighting under the hood.',
          'USB charging with a battery level indicator.',
        ],
        items: [
          ['LED Flashlight', 20, 'for power outages, camping and emergencies'],
          ['Headlamp', 18, 'for hands-free light in attics and crawl spaces'],
          ['Portable LED Work Light', 45, 'for lighting job sites and repair work at night'],
        ],
      },
    ],
  },
  {
    name: 'STORAGE',
    code: 'STO',
    context: [
      'Gets garages, closets and workshops organized and clutter-free.',
      'Sturdy storage that makes the most of walls, floors and shelves.',
      'Keeps tools, supplies and seasonal items easy to find.',
    ],
    types: [
      {
        name: 'Shelving',
        variants: ['4-Tier', '5-Tier', 'Wall-Mounted'],
        features: [
          'Boltless assembly in minutes without tools.',
          'Each shelf holds hundreds of pounds.',
          'Adjustable shelf heights for bins of any size.',
          'Powder-coated steel resists rust in damp basements.',
        ],
        items: [
          ['Steel Garage Shelving Unit', 90, 'for organizing garages, basements and storage rooms'],
          ['Wire Closet Shelf', 25, 'for closets, pantries and laundry rooms'],
          ['Floating Wall Shelf', 30, 'for displaying decor and books'],
        ],
      },
      {
        name: 'Tool Storage',
        variants: ['Portable', 'Rolling', 'Stackable'],
        features: [
          'Ball-bearing drawers slide smoothly under load.',
          'Lockable lid keeps tools secure.',
          'Removable tray organizes small parts.',
          'Rugged wheels roll across the job site.',
        ],
        items: [
          ['Tool Box', 30, 'for carrying hand tools to the job'],
          ['Rolling Tool Chest', 280, 'for storing a full mechanic tool collection in the garage'],
          ['Small Parts Organizer', 15, 'for screws, nails, bits and fasteners'],
        ],
      },
      {
        name: 'Bins & Totes',
        variants: ['18-Gallon', '27-Gallon', 'Clear'],
        features: [
          'Snap-tight lids keep out dust and moisture.',
          'Stacks securely to save floor space.',
          'Molded handles for easy carrying.',
          'Clear sides show what is inside.',
        ],
        items: [
          ['Storage Tote with Lid', 12, 'for seasonal decorations and clothes'],
          ['Heavy-Duty Storage Bin', 18, 'for garage and attic storage'],
          ['Under-Bed Storage Box', 14, 'for extra blankets and shoes'],
        ],
      },
      {
        name: 'Garage Organization',
        variants: ['Steel', 'Heavy-Duty', 'Modular'],
        features: [
          'Mounts to wall studs for maximum strength.',
          'Vinyl-coated hooks protect tool handles.',
          'Gets bikes, ladders and hoses off the floor.',
          'Expandable system grows with your garage.',
        ],
        items: [
          ['Wall Storage Rail System', 40, 'for hanging garden tools, cords and ladders'],
          ['Overhead Garage Storage Rack', 130, 'for storing bins above the garage door'],
          ['Bike Storage Hook', 8, 'for hanging bicycles on the garage wall'],
        ],
      },
      {
        name: 'Workbenches & Cabinets',
        variants: ['4 ft.', '6 ft.', 'Adjustable-Height'],
        features: [
          'Hardwood top stands up to hammering and clamping.',
          'Locking doors keep chemicals away from children.',
          'Integrated power strip for corded tools.',
          'Pegboard back panel for hanging tools.',
        ],
        items: [
          ['Garage Workbench', 160, 'for woodworking, repairs and assembly projects'],
          ['Metal Storage Cabinet', 190, 'for paint, chemicals and garage supplies'],
          ['Pegboard Panel Kit', 35, 'for hanging hand tools above the workbench'],
        ],
      },
    ],
  },
];
